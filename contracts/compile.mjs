// Compiles contracts/CountersignRegistry.sol with the pinned solc from npm (tools/package.json),
// offline, and writes the ABI and bytecode under contracts/build/.
//
//   node contracts/compile.mjs           write contracts/build/*
//   node contracts/compile.mjs --check   exit 1 if the committed build differs from the source
//
// The Rust client embeds the committed files; `--check` (run by scripts/test.sh and by a cargo
// test) keeps them honest.
import { createRequire } from "node:module";
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(join(here, "..", "tools", "package.json"));
const solc = require("solc");

const NAME = "CountersignRegistry";
const source = readFileSync(join(here, `${NAME}.sol`), "utf8");
const input = {
  language: "Solidity",
  sources: { [`${NAME}.sol`]: { content: source } },
  settings: {
    // Paris (no PUSH0): consortium chains (FISCO BCOS, older Besu networks) lag behind mainnet forks.
    evmVersion: "paris",
    optimizer: { enabled: true, runs: 200 },
    metadata: { bytecodeHash: "none" },
    outputSelection: { "*": { "*": ["abi", "evm.bytecode.object", "evm.deployedBytecode.object"] } },
  },
};
const output = JSON.parse(solc.compile(JSON.stringify(input)));
// Warnings fail too: the contract is small enough to keep clean.
const errors = output.errors ?? [];
for (const e of output.errors ?? []) console.error(e.formattedMessage);
if (errors.length > 0) process.exit(1);

const contract = output.contracts[`${NAME}.sol`][NAME];
const files = {
  [`${NAME}.abi.json`]: JSON.stringify(contract.abi, null, 2) + "\n",
  [`${NAME}.bin`]: contract.evm.bytecode.object + "\n",
  [`${NAME}.runtime.bin`]: contract.evm.deployedBytecode.object + "\n",
  "SOLC_VERSION": solc.version() + "\n",
};
const out = join(here, "build");
if (process.argv.includes("--check")) {
  let stale = [];
  for (const [file, text] of Object.entries(files)) {
    let committed = "";
    try { committed = readFileSync(join(out, file), "utf8"); } catch {}
    if (committed !== text) stale.push(file);
  }
  if (stale.length > 0) {
    console.error(`contracts/build is stale (${stale.join(", ")}): run node contracts/compile.mjs and commit`);
    process.exit(1);
  }
  console.log(`contracts/build matches ${NAME}.sol (solc ${solc.version()})`);
} else {
  mkdirSync(out, { recursive: true });
  for (const [file, text] of Object.entries(files)) writeFileSync(join(out, file), text);
  console.log(`wrote contracts/build (${contract.evm.bytecode.object.length / 2} bytes of bytecode, solc ${solc.version()})`);
}
