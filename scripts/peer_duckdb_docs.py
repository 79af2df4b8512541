"""A peer for `hubscope trends docs`, written for the benchmark: DuckDB SQL over hubscope's Parquet
export (`hubscope export --out DIR`). Per creation month, every month of the range (zeros
included): models, models with a card, the card ratio, cards analysed, their median words and mean
score, the last month flagged incomplete, and an `all` row. A model has a card when its source
said so (`has_card`), else when it has card data or a non-empty stored card, as hubscope decides.

It does less than hubscope: no trend tests, no per-section fill shares, no chart, no sampling frames.

usage: peer_duckdb_docs.py EXPORT_DIR [OUT_CSV]   (default docs_duckdb.csv)
"""
import glob
import os
import sys

import duckdb

CARDS = """
latest AS (
    SELECT model_id, arg_max(words, id) AS words, arg_max(score, id) AS score,
           arg_max(bytes, id) AS bytes
    FROM read_parquet('{dir}/cards/*.parquet') GROUP BY model_id),
"""
NO_CARDS = """
latest AS (SELECT NULL::VARCHAR AS model_id, NULL::BIGINT AS words, NULL::DOUBLE AS score,
                  NULL::BIGINT AS bytes WHERE false),
"""
QUERY = """
WITH {latest}
m AS (
    SELECT m.created_month AS month,
           coalesce(m.has_card, m.card_data IS NOT NULL OR coalesce(l.bytes, 0) > 0) AS with_card,
           l.words, l.score
    FROM read_parquet('{dir}/models/*/*.parquet', hive_partitioning = true) m
    LEFT JOIN latest l ON l.model_id = m.id
    WHERE m.created_month IS NOT NULL),
span AS (
    SELECT generate_series(min(strptime(month, '%Y-%m')), max(strptime(month, '%Y-%m')),
                           INTERVAL 1 MONTH) AS s
    FROM m),
months AS (SELECT strftime(unnest(s), '%Y-%m') AS month FROM span),
per AS (
    SELECT month, count(*) AS models, count(*) FILTER (WHERE with_card) AS with_card,
           count(words) AS cards_analysed, median(words) AS median_card_words,
           avg(score) AS mean_score
    FROM m GROUP BY month),
filled AS (
    SELECT months.month, coalesce(models, 0) AS models, coalesce(with_card, 0) AS with_card,
           coalesce(cards_analysed, 0) AS cards_analysed, median_card_words, mean_score,
           months.month = max(months.month) OVER () AS incomplete
    FROM months LEFT JOIN per USING (month))
SELECT month, models, with_card, coalesce(with_card / nullif(models, 0), 0) AS card_ratio,
       cards_analysed, median_card_words, mean_score, incomplete
FROM filled
UNION ALL
SELECT 'all', count(*), count(*) FILTER (WHERE with_card),
       count(*) FILTER (WHERE with_card) / nullif(count(*), 0), count(words), median(words),
       avg(score), false
FROM m
ORDER BY month = 'all', month
"""

if __name__ == "__main__":
    export = sys.argv[1]
    out = sys.argv[2] if len(sys.argv) > 2 else "docs_duckdb.csv"
    has_cards = bool(glob.glob(os.path.join(export, "cards", "*.parquet")))
    latest = CARDS if has_cards else NO_CARDS
    duckdb.sql(QUERY.format(latest=latest.format(dir=export), dir=export)).write_csv(out)
