#!/usr/bin/env python3
"""The statement-split oracle: PostgreSQL's own parser (libpg_query, through pglast) splits every migration in
Tests/Fixtures/split-corpus/, and the result is kept beside each file as NAME.pglast.json. The Swift test
SplitOracleTests compares swift-migrate's lexer with those files, statement by statement.

    pip install pglast
    scripts/split-oracle.py --write   # after adding or changing a corpus file
    scripts/split-oracle.py --check   # CI: the committed oracle output is still what libpg_query says

pglast's split strips whitespace around each statement and drops comments before it, as our lexer does.
"""
import json
import pathlib
import sys

CORPUS = pathlib.Path(__file__).resolve().parent.parent / "Tests" / "Fixtures" / "split-corpus"


def oracle(text: str) -> list:
    from pglast import split  # imported here so that --help works without pglast

    return list(split(text, with_parser=True))


def main() -> int:
    mode = sys.argv[1] if len(sys.argv) > 1 else "--check"
    if mode not in ("--write", "--check"):
        print(__doc__)
        return 2
    drift = 0
    files = sorted(CORPUS.glob("*.sql"))
    statements = 0
    for path in files:
        text = path.read_bytes().decode("utf-8")
        expected = oracle(text)
        statements += len(expected)
        target = path.with_name(path.name + ".pglast.json")
        rendered = json.dumps(expected, ensure_ascii=False, indent=1) + "\n"
        if mode == "--write":
            target.write_text(rendered, encoding="utf-8")
        elif not target.exists() or target.read_text(encoding="utf-8") != rendered:
            print(f"split-oracle: {target.name} differs from libpg_query's split of {path.name}", file=sys.stderr)
            drift += 1
    import pglast

    print(f"split-oracle: {len(files)} files, {statements} statements, pglast {pglast.__version__}, "
          f"{'written' if mode == '--write' else ('%d differ' % drift)}")
    return 1 if drift else 0


if __name__ == "__main__":
    sys.exit(main())
