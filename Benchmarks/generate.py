#!/usr/bin/env python3
"""Writes N generated migrations for one dialect in every benchmarked tool's format, and the floors' scripts.

    generate.py DIALECT N OUTDIR [--seed 7]

DIALECT is pg or sqlite. The workload is a growing schema: about 7 migrations in 10 create a table (the id and
4-7 typed columns, an index, in 4 of 10 a foreign key to an earlier table with its index), the others add a column
to an earlier table (half of them with an index). Every down reverses its up exactly. The same seed gives the same
files. OUTDIR gets:

    golang/      NNNN_name.up.sql + NNNN_name.down.sql   (swift-migrate and golang-migrate)
    dbmate/      NNNN_name.sql with -- migrate:up / -- migrate:down
    sqlmigrate/  NNNN_name.sql with -- +migrate Up / -- +migrate Down
    floor/       a_up.sql, a_down.sql: every migration in one transaction (FLOOR_A)
                 b_up.sql, b_down.sql: each migration in its own transaction with its version row (FLOOR_B)
    expect       "TABLES ADDED_COLUMNS" after a full up, to check that a runner really applied everything
"""
import argparse
import os
import random

NOUNS = ("accounts orders invoices items events sessions payments customers audits shipments notes labels carts "
         "ratings vouchers devices inbox members boards jobs").split()
COLUMN_TYPES = {  # name: (PostgreSQL type, SQLite type)
    "title": ("varchar(200) NOT NULL", "varchar(200) NOT NULL"),
    "email": ("varchar(320)", "varchar(320)"),
    "state": ("smallint NOT NULL DEFAULT 0", "smallint NOT NULL DEFAULT 0"),
    "total": ("numeric(12,2) NOT NULL DEFAULT 0", "numeric(12,2) NOT NULL DEFAULT 0"),
    "created_at": ("timestamptz NOT NULL DEFAULT now()", "TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP"),
    "changed_at": ("timestamptz", "TEXT"),
    "enabled": ("boolean NOT NULL DEFAULT true", "INTEGER NOT NULL DEFAULT 1"),
    "body": ("jsonb", "TEXT"),
    "remark": ("text", "TEXT"),
    "sku": ("varchar(32) NOT NULL", "varchar(32) NOT NULL"),
    "rank": ("double precision", "REAL"),
    "ref": ("uuid", "TEXT"),
}
ADDED_TYPES = {
    "region": ("varchar(64)", "varchar(64)"),
    "weight": ("integer NOT NULL DEFAULT 0", "integer NOT NULL DEFAULT 0"),
    "caption": ("text", "TEXT"),
    "counter": ("bigint", "INTEGER"),
    "flagged": ("boolean NOT NULL DEFAULT false", "INTEGER NOT NULL DEFAULT 0"),
    "locale": ("varchar(16)", "varchar(16)"),
    "ratio": ("numeric(10,3)", "numeric(10,3)"),
    "origin": ("text", "TEXT"),
}


def migrations(dialect, n, seed):
    """Yields (number, name, up SQL, down SQL) for migrations 1...n."""
    rng = random.Random(seed)
    pg = dialect == "pg"
    pick = 0 if pg else 1
    tables = []
    for number in range(1, n + 1):
        if len(tables) >= 3 and rng.random() < 0.3:
            table = rng.choice(tables)
            word = rng.choice(sorted(ADDED_TYPES))
            column = f"c{number}_{word}"
            name = f"add_{word}_to_{table}"
            up = f"ALTER TABLE {table} ADD COLUMN {column} {ADDED_TYPES[word][pick]};\n"
            down = f"ALTER TABLE {table} DROP COLUMN {column};\n"
            if rng.random() < 0.5:
                index = f"{table}_{column}_idx"
                up += f"CREATE INDEX {index} ON {table} ({column});\n"
                down = f"DROP INDEX {index};\n" + down
        else:
            table = f"t{number}_{rng.choice(NOUNS)}"
            name = f"create_{table}"
            columns = rng.sample(sorted(COLUMN_TYPES), rng.randint(4, 7))
            lines = ["id bigserial PRIMARY KEY" if pg else "id INTEGER PRIMARY KEY"]
            lines += [f"{c} {COLUMN_TYPES[c][pick]}" for c in columns]
            parent = rng.choice(tables) if tables and rng.random() < 0.4 else None
            if parent:
                lines.append(f"parent_id {'bigint' if pg else 'INTEGER'} REFERENCES {parent} (id)")
            up = f"CREATE TABLE {table} (\n    " + ",\n    ".join(lines) + "\n);\n"
            indexed = "created_at" if "created_at" in columns else columns[0]
            up += f"CREATE INDEX {table}_{indexed}_idx ON {table} ({indexed});\n"
            if parent:
                up += f"CREATE INDEX {table}_parent_id_idx ON {table} (parent_id);\n"
            down = f"DROP TABLE {table};\n"
            tables.append(table)
        yield number, name, up, down


def write(path, text):
    with open(path, "w") as f:
        f.write(text)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("dialect", choices=["pg", "sqlite"])
    parser.add_argument("n", type=int)
    parser.add_argument("outdir")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    out = args.outdir
    for sub in ("golang", "dbmate", "sqlmigrate", "floor"):
        os.makedirs(os.path.join(out, sub), exist_ok=True)
    width = max(4, len(str(args.n)))
    a_up, b_up, downs = [], ["CREATE TABLE schema_migrations (version bigint PRIMARY KEY);\n"], []
    tables = added = 0
    for number, name, up, down in migrations(args.dialect, args.n, args.seed):
        base = f"{number:0{width}d}_{name}"
        write(f"{out}/golang/{base}.up.sql", up)
        write(f"{out}/golang/{base}.down.sql", down)
        write(f"{out}/dbmate/{base}.sql", f"-- migrate:up\n{up}\n-- migrate:down\n{down}")
        write(f"{out}/sqlmigrate/{base}.sql", f"-- +migrate Up\n{up}\n-- +migrate Down\n{down}")
        a_up.append(up)
        b_up.append(f"BEGIN;\n{up}INSERT INTO schema_migrations (version) VALUES ({number});\nCOMMIT;\n")
        downs.append((number, down))
        tables += name.startswith("create_")
        added += name.startswith("add_")
    a_down = [down for _, down in reversed(downs)]
    b_down = [f"BEGIN;\n{down}DELETE FROM schema_migrations WHERE version = {number};\nCOMMIT;\n"
              for number, down in reversed(downs)]
    # psql -1 wraps FLOOR_A in one transaction itself; the sqlite3 shell needs it written out.
    wrap = (lambda parts: parts) if args.dialect == "pg" else (lambda parts: ["BEGIN;\n", *parts, "COMMIT;\n"])
    write(f"{out}/floor/a_up.sql", "".join(wrap(a_up)))
    write(f"{out}/floor/a_down.sql", "".join(wrap(a_down)))
    write(f"{out}/floor/b_up.sql", "".join(b_up))
    write(f"{out}/floor/b_down.sql", "".join(b_down))
    write(f"{out}/expect", f"{tables} {added}\n")


if __name__ == "__main__":
    main()
