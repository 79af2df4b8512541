"""Side-by-side benchmark of the trends at full-Hub scale (issue 18): hubscope against the pandas
script it replaces and against DuckDB over hubscope's own Parquet export, in one run, the sides
alternating from round to round. Every time is a whole process (start-up included), timed with
/usr/bin/time, which also gives each process's peak memory. Ratios are peer / hubscope, so above
1 means hubscope is faster; the table gives the median over the rounds of each round's ratio.

Run it through ./scripts/bench-trends.sh, which builds hubscope and the bench's venv.

usage: bench_trends.py --bin HUBSCOPE --bench SHARED_BENCH_DIR --data SHARED_DATA_DIR --dir OUT
                       [--rows N] [--rounds R] [--scaling N,N,...]
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))


def timed(cmd, cwd=None):
    """Runs cmd; returns (seconds, peak KB). A failing command stops the benchmark."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as out:
        run = subprocess.run(["/usr/bin/time", "-f", "%e %M", "-o", out.name, *cmd], cwd=cwd,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        if run.returncode != 0:
            sys.exit(f"failed ({run.returncode}): {' '.join(cmd)}\n{run.stderr}")
        seconds, kb = out.read().split()[-2:]
        return float(seconds), int(kb)


def total(steps):
    """Several processes as one unit of work: summed times, the largest peak."""
    return sum(s for s, _ in steps), max(k for _, k in steps)


class Sides:
    """The commands of each side, on one Parquet of `rows` models."""

    def __init__(self, args, parquet, work):
        self.args, self.parquet, self.work = args, parquet, work
        self.python = sys.executable
        self.db = os.path.join(work, "hubscope.db")
        self.export = os.path.join(work, "export")

    def hubscope(self, *argv):
        return timed([self.args.bin, "--db", self.db, *argv])

    def fresh_db(self):
        for suffix in ("", "-wal", "-shm", ".ingest.lock"):
            if os.path.exists(self.db + suffix):
                os.remove(self.db + suffix)

    def ingest(self):
        self.fresh_db()
        return self.hubscope("ingest", "models", self.parquet, "--frame", "census")

    def trends(self):
        return total([
            self.hubscope("trends", "uploads", "--by", "pipeline",
                          "--out", os.path.join(self.work, "uploads.csv")),
            self.hubscope("trends", "docs", "--out", os.path.join(self.work, "docs.csv")),
        ])

    def end_to_end(self):
        ingest = self.ingest()
        return ingest, total([ingest, self.trends()])

    def pandas(self):
        return timed([self.python, os.path.join(self.args.bench, "baseline_trends.py"),
                      self.parquet, os.path.join(self.work, "pandas-out")])

    def make_export(self):
        shutil.rmtree(self.export, ignore_errors=True)
        self.hubscope("export", "--out", self.export, "--table", "models")

    def duckdb(self):
        return total([
            timed([self.python, os.path.join(self.args.bench, "baseline_duckdb_uploads.py"),
                   self.export, os.path.join(self.work, "uploads_duckdb.csv")]),
            timed([self.python, os.path.join(HERE, "peer_duckdb_docs.py"), self.export,
                   os.path.join(self.work, "docs_duckdb.csv")]),
        ])


def make_parquet(args, rows):
    path = os.path.join(args.dir, f"liang-{rows}.parquet")
    if not os.path.exists(path):
        subprocess.run([sys.executable, os.path.join(args.bench, "make_liang_2m.py"),
                        os.path.join(args.data, "hub", "liang-2022-model-info.parquet"), path,
                        str(rows)], check=True, stdout=subprocess.DEVNULL)
    return path


def fmt(seconds_kb):
    s, kb = seconds_kb
    return f"{s:.2f} s, {kb / 1024:.0f} MB"


def compare(args):
    parquet = make_parquet(args, args.rows)
    sides = Sides(args, parquet, args.dir)
    rows = {k: [] for k in ("ingest", "e2e", "pandas", "trends", "duckdb")}
    sides.ingest()
    sides.trends()  # keeps the snapshot a store that was analysed once has
    sides.make_export()
    for round_ in range(args.rounds):
        # The order alternates, so neither side always runs on a warmer cache.
        order = ["hubscope", "peers"] if round_ % 2 == 0 else ["peers", "hubscope"]
        for side in order:
            if side == "hubscope":
                rows["trends"].append(sides.trends())
                ingest, e2e = sides.end_to_end()
                rows["ingest"].append(ingest)
                rows["e2e"].append(e2e)
                sides.trends()  # the snapshot again, for the next round's trends
            else:
                rows["pandas"].append(sides.pandas())
                rows["duckdb"].append(sides.duckdb())
        print(f"round {round_ + 1}: " + "; ".join(f"{k} {fmt(v[-1])}" for k, v in rows.items()),
              file=sys.stderr)

    def median(key):
        return (statistics.median(s for s, _ in rows[key]), max(k for _, k in rows[key]))

    def ratio(peer, ours):
        return statistics.median(p[0] / o[0] for p, o in zip(rows[peer], rows[ours]))

    n = args.rows
    print(f"\n{n:,} models in Liang et al.'s layout; {args.rounds} rounds; medians, peak memory "
          "the largest of any round\n")
    print("| work | hubscope | peer | peer / hubscope |")
    print("|---|---:|---:|---:|")
    print(f"| fresh DB: ingest + `trends uploads --by pipeline` + `trends docs` | {fmt(median('e2e'))} "
          f"| pandas baseline_trends {fmt(median('pandas'))} | {ratio('pandas', 'e2e'):.2f}x |")
    print(f"| both trends, store already built | {fmt(median('trends'))} "
          f"| pandas baseline_trends {fmt(median('pandas'))} | {ratio('pandas', 'trends'):.2f}x |")
    print(f"| both trends, store already built | {fmt(median('trends'))} "
          f"| DuckDB over the export (uploads + docs) {fmt(median('duckdb'))} "
          f"| {ratio('duckdb', 'trends'):.2f}x |")
    ingest = median("ingest")
    print(f"| ingest alone | {fmt(ingest)} ({n / ingest[0]:,.0f} rows/s) | | |")


def scaling(args):
    print("\n| models | ingest | rows/s | both trends (from the tables, then kept) | both trends "
          "(snapshot) | pandas baseline_trends |")
    print("|---:|---:|---:|---:|---:|---:|")
    for n in args.scaling:
        parquet = make_parquet(args, n)
        work = os.path.join(args.dir, f"scale-{n}")
        os.makedirs(work, exist_ok=True)
        sides = Sides(args, parquet, work)
        ingest = sides.ingest()
        first = sides.trends()
        again = sides.trends()
        pandas = sides.pandas()
        print(f"| {n:,} | {fmt(ingest)} | {n / ingest[0]:,.0f} | {fmt(first)} | {fmt(again)} "
              f"| {fmt(pandas)} |", flush=True)
        sides.fresh_db()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--bin", required=True)
    p.add_argument("--bench", required=True)
    p.add_argument("--data", required=True)
    p.add_argument("--dir", required=True)
    p.add_argument("--rows", type=int, default=2_000_000)
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--scaling", type=lambda s: [int(x) for x in s.split(",") if x], default=[])
    args = p.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    if args.rounds > 0:
        compare(args)
    if args.scaling:
        scaling(args)


if __name__ == "__main__":
    main()
