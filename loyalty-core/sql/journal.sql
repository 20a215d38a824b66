-- The shared journal of loyalty programs (docs/postgres.md). Idempotent: run on first use by
-- every binding, under an advisory lock so that concurrent first uses do not collide.

-- A program's starting definition; `configure` operations in the journal change it later.
CREATE TABLE IF NOT EXISTS loyalty_programs (
    program     text PRIMARY KEY,
    definition  jsonb NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- The single source of truth: one row per accepted operation, in the order applied.
CREATE TABLE IF NOT EXISTS loyalty_journal (
    program      text NOT NULL REFERENCES loyalty_programs (program),
    seq          bigint NOT NULL CHECK (seq > 0),
    op_id        numeric(20, 0),          -- the operation id (NULL for a tick)
    op_kind      text NOT NULL,
    digest       bigint NOT NULL,         -- the engine's content digest of the operation
    at           bigint NOT NULL,         -- the operation's instant (Unix seconds)
    record       json NOT NULL,           -- the journal record: operation and outcome (json keeps the text as written: cheaper to insert than jsonb)
    recorded_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (program, seq)
);

-- An operation id is accepted once per program: a second row for it is refused by the
-- database too, whatever a client does.
CREATE UNIQUE INDEX IF NOT EXISTS loyalty_journal_op_id
    ON loyalty_journal (program, op_id) WHERE op_id IS NOT NULL;

-- Snapshots let a new process start from the latest one plus the rows after it.
CREATE TABLE IF NOT EXISTS loyalty_snapshots (
    program     text NOT NULL REFERENCES loyalty_programs (program),
    seq         bigint NOT NULL,          -- the snapshot covers rows 1..=seq
    state       bytea NOT NULL,           -- Engine::snapshot_bytes
    digest      numeric(20, 0) NOT NULL,  -- its state digest
    taken_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (program, seq)
);
