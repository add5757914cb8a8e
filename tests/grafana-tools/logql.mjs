// Parses LogQL queries with @grafana/lezer-logql, the grammar Grafana's Loki query editor uses, and reports every
// syntax error node with its position. No Loki can be installed here, so this is the check that Grafana and Loki
// would read the queries of the dashboards and runbooks.
//
//   node tests/grafana-tools/logql.mjs QUERIES.json     (a JSON array of {"name": ..., "expr": ...})
//
// Exit code 0 when every query parses; 1 with one line per error otherwise; 2 on bad usage.
import { readFileSync } from "node:fs";
import { parser } from "@grafana/lezer-logql";

if (process.argv.length !== 3) {
  console.error("usage: node logql.mjs QUERIES.json");
  process.exit(2);
}
const queries = JSON.parse(readFileSync(process.argv[2], "utf8"));

let invalid = 0;
for (const { name, expr } of queries) {
  const errors = [];
  parser.parse(expr).iterate({
    enter(node) {
      if (node.type.isError) errors.push(node.from);
    },
  });
  if (errors.length === 0) {
    console.log(`${name}: valid`);
    continue;
  }
  invalid++;
  for (const at of errors) console.error(`${name}: syntax error at ${at}: ...${expr.slice(at, at + 30)}`);
}
process.exit(invalid === 0 ? 0 : 1);
