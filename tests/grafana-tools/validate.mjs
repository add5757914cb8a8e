// Validates Grafana dashboard JSON files against a JSON Schema generated, at each run, from the classic
// `Dashboard` type of @grafana/schema (the model of "schemaVersion": 39-style dashboards). No Grafana server can
// be installed here, so this is the check that Grafana would load the files.
//
//   node tests/grafana-tools/validate.mjs grafana/dashboards/*.json
//
// Exit code 0 when every file is valid; 1 with one line per problem otherwise; 2 on bad usage.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import Ajv from "ajv";
import { createGenerator } from "ts-json-schema-generator";

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error("usage: node validate.mjs DASHBOARD.json...");
  process.exit(2);
}

const schema = createGenerator({
  // The package exports no path to its type files: name the file inside this folder's node_modules.
  path: fileURLToPath(new URL("node_modules/@grafana/schema/dist/types/raw/dashboard/x/types.gen.d.ts", import.meta.url)),
  type: "Dashboard",
  skipTypeCheck: true,
  // Grafana keeps keys the type does not list (plugin options, fieldConfig of each panel type).
  additionalProperties: true,
}).createSchema("Dashboard");
const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);

let invalid = 0;
for (const file of files) {
  let dashboard;
  try {
    dashboard = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    console.error(`${file}: not JSON: ${error.message}`);
    invalid++;
    continue;
  }
  if (validate(dashboard)) {
    console.log(`${file}: valid`);
    continue;
  }
  invalid++;
  // A panel that fails is also reported against each alternative of the Panel | RowPanel union; the
  // instance path and message still name the field at fault.
  for (const error of validate.errors) {
    const values = error.params.allowedValues ?? ("allowedValue" in error.params ? [error.params.allowedValue] : null);
    const allowed = values ? `: ${values.map((v) => JSON.stringify(v)).join(", ")}` : "";
    console.error(`${file}: ${error.instancePath || "/"} ${error.message}${allowed}`);
  }
}
process.exit(invalid === 0 ? 0 : 1);
