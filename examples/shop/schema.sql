-- The shop's own table: an order row is written in the same transaction as its loyalty
-- operation, so there is never one without the other.
CREATE TABLE IF NOT EXISTS shop_orders (
    program     text NOT NULL,
    id          bigint NOT NULL,
    member      bigint NOT NULL,
    amount      numeric NOT NULL,
    points      numeric NOT NULL,
    refunded    numeric NOT NULL DEFAULT 0,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (program, id)
);

-- One row per refund id: a retried refund changes nothing twice.
CREATE TABLE IF NOT EXISTS shop_refunds (
    program     text NOT NULL,
    id          bigint NOT NULL,
    order_id    bigint NOT NULL,
    amount      numeric NOT NULL,
    PRIMARY KEY (program, id)
);
