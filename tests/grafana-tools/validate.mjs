// Validates Grafana dashboard JSON files against JSON Schemas generated, at each run, from the classic `Dashboard`
// type of @grafana/schema (the model of "schemaVersion": 39-style dashboards): the current release, and the release
// of the Grafana image docker-compose.yml ships (installed as grafana-schema-shipped). No Grafana server can be
// installed here, so this is the check that Grafana would load the files.
//
//   node tests/grafana-tools/validate.mjs grafana/dashboards/*.json
//
// Exit code 0 when every file is valid against both; 1 with one line per problem otherwise; 2 on bad usage.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import Ajv from "ajv";
import { createGenerator } from "ts-json-schema-generator";

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error("usage: node validate.mjs DASHBOARD.json...");
  process.exit(2);
}

// The packages export no path to their type files: name the file inside this folder's node_modules (the same in
// the 12 and 13 releases).
const types = "dist/types/raw/dashboard/x/types.gen.d.ts";
const releases = ["node_modules/@grafana/schema", "node_modules/grafana-schema-shipped"].map((folder) => {
  const local = (path) => fileURLToPath(new URL(`${folder}/${path}`, import.meta.url));
  const schema = createGenerator({
    path: local(types),
    type: "Dashboard",
    skipTypeCheck: true,
    // Grafana keeps keys the type does not list (plugin options, fieldConfig of each panel type).
    additionalProperties: true,
  }).createSchema("Dashboard");
  return {
    version: JSON.parse(readFileSync(local("package.json"), "utf8")).version,
    validate: new Ajv({ allErrors: true, strict: false }).compile(schema),
  };
});

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
  const failing = releases.filter(({ validate }) => !validate(dashboard));
  if (failing.length === 0) {
    console.log(`${file}: valid (@grafana/schema ${releases.map((r) => r.version).join(" and ")})`);
    continue;
  }
  invalid++;
  // A panel that fails is also reported against each alternative of the Panel | RowPanel union; the
  // instance path and message still name the field at fault.
  for (const { version, validate } of failing) {
    for (const error of validate.errors) {
      const values = error.params.allowedValues ?? ("allowedValue" in error.params ? [error.params.allowedValue] : null);
      const allowed = values ? `: ${values.map((v) => JSON.stringify(v)).join(", ")}` : "";
      console.error(`${file}: @grafana/schema ${version}: ${error.instancePath || "/"} ${error.message}${allowed}`);
    }
  }
}
process.exit(invalid === 0 ? 0 : 1);
