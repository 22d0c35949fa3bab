// Validates Kubernetes objects against the schemas published with kubernetes-models (core API),
// @kubernetes-models/prometheus-operator and @kubernetes-models/gateway-api.
// Input: a JSON array of objects on stdin. Output: one line per problem; exit 3 when there is any (1 is a crash).
// An apiVersion/kind none of the packages models is a problem, never a pass.
import * as core from "kubernetes-models";
import * as monitoring from "@kubernetes-models/prometheus-operator";
import * as gateway from "@kubernetes-models/gateway-api";

const models = new Map();
function collect(namespace) {
  for (const value of Object.values(namespace)) {
    if (typeof value === "function" && value.apiVersion && value.kind) {
      models.set(`${value.apiVersion} ${value.kind}`, value);
    } else if (value && typeof value === "object") {
      collect(value);
    }
  }
}
[core, monitoring, gateway].forEach(collect);

let input = "";
for await (const chunk of process.stdin) input += chunk;
const problems = [];
for (const object of JSON.parse(input)) {
  const type = `${object.apiVersion} ${object.kind}`;
  const name = `${type} ${object.metadata?.name}`;
  const Model = models.get(type);
  if (!Model) {
    problems.push(`${name}: unknown apiVersion/kind (no published schema in the validator's packages)`);
    continue;
  }
  try {
    new Model(object).validate();
  } catch (e) {
    const errors = e.errors ?? [{ instancePath: "", message: e.message }];
    errors.forEach((err) => problems.push(`${name}: ${err.instancePath || "/"} ${err.message}`));
  }
}
problems.forEach((p) => console.log(p));
process.exitCode = problems.length ? 3 : 0;
