//! A writer process for the cross-language tests (`loyalty-py/tests/test_postgres.py`): appends
//! orders to a program's PostgreSQL journal, or prints the state digest of a fresh replica.
//!
//! ```sh
//! pg_writer DSN PROGRAM_NAME PROGRAM_JSON write FIRST_ID COUNT MEMBERS
//! pg_writer DSN PROGRAM_NAME PROGRAM_JSON digest
//! ```
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use loyalty_core::{Order, Program};
use loyalty_postgres::{Error, Journal};
use rust_decimal::Decimal;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, dsn, name, program, mode, rest @ ..] = args.as_slice() else {
        eprintln!(
            "usage: pg_writer DSN PROGRAM_NAME PROGRAM_JSON write|digest [FIRST_ID COUNT MEMBERS]"
        );
        std::process::exit(2);
    };
    let program = Program::from_json(program).unwrap();
    let mut c = postgres::Client::connect(dsn, postgres::NoTls).unwrap();
    let mut journal = Journal::open(&mut c, name, &program).unwrap();
    if mode == "write" {
        let [first, count, members] = rest else {
            panic!("write needs FIRST_ID COUNT MEMBERS")
        };
        let (first, count, members): (u64, u64, u64) = (
            first.parse().unwrap(),
            count.parse().unwrap(),
            members.parse().unwrap(),
        );
        let mut accepted = 0;
        for i in 0..count {
            let id = first + i;
            let order = Order::new(
                id,
                1_767_571_200,
                1 + id % members,
                Decimal::new(100 + (id % 977) as i64 * 7, 1),
            );
            match journal.append_now(&mut c, order.into(), 1_767_571_200 + i as i64) {
                Ok(_) => accepted += 1,
                Err(Error::Rejected(_)) => {}
                Err(e) => panic!("{e}"),
            }
        }
        println!("accepted {accepted} conflicts {}", journal.conflicts());
    }
    let engine = journal.read(&mut c).unwrap();
    println!("digest {} seq {}", engine.state_digest(), journal.seq());
}
