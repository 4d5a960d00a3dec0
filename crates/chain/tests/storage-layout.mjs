// The registry's storage layout as solc reports it (`storageLayout`), with solc's AST ids taken
// out of the type names so the file changes only when the layout does.
//
//   node crates/chain/tests/storage-layout.mjs           write contracts/build/CountersignRegistry.storage-layout.json
//   node crates/chain/tests/storage-layout.mjs --check   exit 1 if the committed file differs
//
// crates/chain/src/proof/layout.rs reads storage slots by these numbers; its unit test asserts
// them against the committed file, and tests/proofs.rs runs `--check`.
import { createRequire } from "node:module";
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const require = createRequire(join(root, "tools", "package.json"));
const solc = require("solc");

const NAME = "CountersignRegistry";
const source = readFileSync(join(root, "contracts", `${NAME}.sol`), "utf8");
const input = {
  language: "Solidity",
  sources: { [`${NAME}.sol`]: { content: source } },
  // The layout does not depend on the optimizer or the EVM version; these match compile.mjs.
  settings: {
    evmVersion: "paris",
    optimizer: { enabled: true, runs: 200 },
    metadata: { bytecodeHash: "none" },
    outputSelection: { "*": { "*": ["storageLayout"] } },
  },
};
const output = JSON.parse(solc.compile(JSON.stringify(input)));
const errors = output.errors ?? [];
for (const e of errors) console.error(e.formattedMessage);
if (errors.length > 0) process.exit(1);

const layout = output.contracts[`${NAME}.sol`][NAME].storageLayout;
// "t_struct(Anchor)1234_storage" -> "t_struct(Anchor)_storage"
const clean = (t) => t.replace(/\)\d+_/g, ")_");
const variable = (v) => ({ label: v.label, slot: Number(v.slot), offset: v.offset, type: clean(v.type) });
const types = {};
for (const [id, t] of Object.entries(layout.types ?? {})) {
  const entry = { label: t.label.replace(/^struct CountersignRegistry\./, "struct "), encoding: t.encoding, numberOfBytes: Number(t.numberOfBytes) };
  if (t.key) entry.key = clean(t.key);
  if (t.value) entry.value = clean(t.value);
  if (t.base) entry.base = clean(t.base);
  if (t.members) entry.members = t.members.map(variable);
  types[clean(id)] = entry;
}
const sorted = Object.fromEntries(Object.keys(types).sort().map((k) => [k, types[k]]));
const text = JSON.stringify({ contract: NAME, solc: solc.version(), storage: layout.storage.map(variable), types: sorted }, null, 2) + "\n";

const file = join(root, "contracts", "build", `${NAME}.storage-layout.json`);
if (process.argv.includes("--check")) {
  let committed = "";
  try { committed = readFileSync(file, "utf8"); } catch {}
  if (committed !== text) {
    console.error(`${file} is stale: run node crates/chain/tests/storage-layout.mjs, check crates/chain/src/proof/layout.rs against it, and commit`);
    process.exit(1);
  }
  console.log(`storage layout matches ${NAME}.sol`);
} else {
  writeFileSync(file, text);
  console.log(`wrote ${file}`);
}
