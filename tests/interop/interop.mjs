// Interop with an independent eddsa-jcs-2022 implementation, both ways (issue 16).
//
// The independent implementation is Digital Bazaar's (the one behind the W3C test suite):
// @digitalbazaar/eddsa-jcs-2022-cryptosuite with @digitalbazaar/data-integrity and
// jsonld-signatures, keys from @digitalbazaar/ed25519-multikey resolved by
// @digitalbazaar/did-method-key, pinned in package-lock.json beside this file.
//
// 1. Ours -> theirs: `countersign issue` makes credentials of every type, single and batched,
//    with and without the anchoring proof; with the demo credentials that is every credential
//    the project issues. Their verifier must accept each eddsa-jcs-2022 proof, with the
//    anchoring proof beside it and with it removed, and agree with our `signature` check on
//    each (the demo's tampered licence fails in both).
// 2. Theirs -> ours: their signer secures our three types and an unknown type; `countersign
//    verify` must accept them (format and signature pass), and after a change to any field
//    both must refuse. The only disagreements allowed are the two the specification itself
//    causes, listed in EXPECTED_DIFFERENCES and in docs/PROTOCOL.md §2.2; they are asserted
//    exactly, so a change in either implementation fails the build too.
//
// Nothing is fetched from the network: the VC 2.0 context comes from the pinned
// @digitalbazaar/credentials-context package and did:key documents are computed locally.
//
// Usage: node interop.mjs (COUNTERSIGN_CLI names the countersign binary; default
// target/debug/countersign from the repository root). Exits 1 on any disagreement.

import {execFileSync, spawnSync} from 'node:child_process';
import {mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, existsSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join, resolve, dirname, basename} from 'node:path';
import {fileURLToPath} from 'node:url';

import {contexts as credentialContexts} from '@digitalbazaar/credentials-context';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import * as didKey from '@digitalbazaar/did-method-key';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import {
  createSignCryptosuite,
  createVerifyCryptosuite
} from '@digitalbazaar/eddsa-jcs-2022-cryptosuite';
import jsigs from 'jsonld-signatures';

const {purposes: {AssertionProofPurpose}} = jsigs;

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '..', '..');
const CLI = resolve(ROOT, process.env.COUNTERSIGN_CLI || 'target/debug/countersign');
const DEMO = join(ROOT, 'assets', 'demo');
const VC_V2 = 'https://www.w3.org/ns/credentials/v2';
const UNDEFINED_TERMS = 'https://www.w3.org/ns/credentials/undefined-terms/v2';
const REGISTRY = 'eip155:31337:0x5fbdb2315678afecb367f032d93f642f64180aa3';
// Fixed times, so a run is reproducible and no credential expires under the test.
const CREATED = '2026-11-01T09:00:00Z';
const VALID_FROM = '2026-11-01T00:00:00Z';
const VERIFY_AT = '2026-12-01T00:00:00Z';

// ---------------------------------------------------------------------------------------------
// Their side: an offline document loader, a signer and a verifier.

const didKeyDriver = didKey.driver();
didKeyDriver.use({multibaseMultikeyHeader: 'z6Mk', fromMultibase: Ed25519Multikey.from});

async function documentLoader(url) {
  if(credentialContexts.has(url)) {
    return {contextUrl: null, documentUrl: url, document: credentialContexts.get(url)};
  }
  if(url.startsWith('did:key:')) {
    const document = await didKeyDriver.get({url});
    return {contextUrl: null, documentUrl: url, document};
  }
  // Refused rather than fetched: the test must not depend on the web, and a credential of
  // ours names no other context.
  throw new Error(`offline document loader: no local copy of ${url}`);
}

async function theirVerify(document) {
  const suite = new DataIntegrityProof({cryptosuite: createVerifyCryptosuite()});
  const result = await jsigs.verify(structuredClone(document), {
    suite, purpose: new AssertionProofPurpose(), documentLoader
  });
  const error = result.error ?? result.results?.find(r => r.error)?.error;
  const message = [error].flat().filter(Boolean).map(e => e.message || String(e)).join('; ');
  return {verified: result.verified === true, message};
}

async function theirKey() {
  // A fixed seed: the same key every run (a test key, never used for anything real).
  const seed = new Uint8Array(32).fill(16);
  const keyPair = await Ed25519Multikey.generate({seed});
  const did = `did:key:${keyPair.publicKeyMultibase}`;
  keyPair.controller = did;
  keyPair.id = `${did}#${keyPair.publicKeyMultibase}`;
  return {keyPair, did};
}

async function theirSign(unsigned, keyPair) {
  const suite = new DataIntegrityProof({
    signer: keyPair.signer(), date: CREATED, cryptosuite: createSignCryptosuite()
  });
  return jsigs.sign(structuredClone(unsigned), {
    suite, purpose: new AssertionProofPurpose(), documentLoader
  });
}

// ---------------------------------------------------------------------------------------------
// Our side: the countersign binary.

function cs(args, options = {}) {
  return execFileSync(CLI, args, {encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], ...options});
}

// Our verifier's report on a credential; `accepted` means the format and signature checks
// pass (issuer, anchor and revocation need a registry, which is not what this test is about).
function ourVerify(document, work) {
  const file = join(work, 'verify-input.json');
  writeFileSync(file, JSON.stringify(document));
  const run = spawnSync(CLI, ['verify', file, '--json', '--at', VERIFY_AT], {encoding: 'utf8'});
  if(run.status === 3 || !run.stdout) {
    throw new Error(`countersign verify failed to run (exit ${run.status}): ${run.stderr}`);
  }
  const report = JSON.parse(run.stdout);
  const check = id => report.checks.find(c => c.id === id) || {status: 'missing', code: ''};
  const format = check('format');
  const signature = check('signature');
  return {
    signature: signature.status === 'pass',
    accepted: format.status === 'pass' && signature.status === 'pass',
    codes: `${format.code}, ${signature.code}`
  };
}

// ---------------------------------------------------------------------------------------------

const problems = [];
let compared = 0;

function problem(text) {
  problems.push(text);
  console.error(`DISAGREE ${text}`);
}

function withoutAnchor(credential) {
  const copy = structuredClone(credential);
  const proofs = [copy.proof].flat();
  const eddsa = proofs.filter(p => p?.cryptosuite === 'eddsa-jcs-2022');
  copy.proof = eddsa.length === 1 ? eddsa[0] : eddsa;
  return copy;
}

function sampleSubject(name) {
  return JSON.parse(readFileSync(join(DEMO, 'samples', `${name}.json`), 'utf8')).credentialSubject;
}

const SUBJECTS = {
  BusinessLicenceCredential: sampleSubject('valid-business-licence'),
  ResidencePermitCredential: sampleSubject('valid-residence-permit'),
  DiplomaCredential: sampleSubject('valid-diploma')
};
// A type Countersign has no schema for: verified generically.
const UNKNOWN_TYPE = 'LibraryCardCredential';
const UNKNOWN_SUBJECT = {name: '王芳', library: '首都图书馆', cardNumber: 'SD-2026-000123'};

// Rows for `countersign issue --input rows.json`.
function rows(count) {
  const types = Object.keys(SUBJECTS);
  const surnames = ['王', '李', '张', '刘', '陈', '杨', '黄', '赵'];
  return Array.from({length: count}, (_, i) => {
    const type = types[i % types.length];
    const subject = structuredClone(SUBJECTS[type]);
    if(subject.name) {
      subject.name = `${surnames[i % surnames.length]}${subject.name.slice(1)}`;
    }
    if(subject.companyName) {
      subject.companyName = `${surnames[i % surnames.length]}氏${subject.companyName}`;
    }
    return {type, credentialSubject: subject, validFrom: VALID_FROM};
  });
}

function jsonFiles(dir) {
  return readdirSync(dir)
    .filter(f => /^\d+\.json$/.test(f))
    .map(f => join(dir, f));
}

async function oursToTheirs(work) {
  const key = join(work, 'school.key.json');
  cs(['keygen', '--out', key, '--name', '京华大学（互操作测试）']);
  const sets = [];
  for(const [label, count, registry] of [
    ['single, anchored', 1, true],
    ['batch of 3 types, anchored', 7, true],
    ['single, no registry', 1, false],
    ['batch, no registry', 4, false]
  ]) {
    for(const [i, type] of Object.keys(SUBJECTS).entries()) {
      if(count !== 1 && i > 0) {
        break; // a batch already mixes the three types
      }
      const input = join(work, `rows-${sets.length}.json`);
      const batchRows = count === 1 ? [rows(3)[i]] : rows(count);
      writeFileSync(input, JSON.stringify(batchRows));
      const out = join(work, `issued-${sets.length}`);
      const args = ['issue', '--key', key, '--input', input, '--out', out,
        '--created', CREATED, '--no-qr'];
      if(registry) {
        args.push('--registry', REGISTRY);
      }
      cs(args);
      sets.push({label: count === 1 ? `${label} ${type}` : label, files: jsonFiles(out)});
    }
  }
  // The demo credentials (assets/demo): samples and batches as committed.
  sets.push({
    label: 'demo sample',
    files: readdirSync(join(DEMO, 'samples'))
      .filter(f => f.endsWith('.json')).map(f => join(DEMO, 'samples', f))
  });
  for(const batch of readdirSync(join(DEMO, 'batches'))) {
    sets.push({label: `demo batch ${batch}`, files: jsonFiles(join(DEMO, 'batches', batch))});
  }

  let count = 0;
  for(const {label, files} of sets) {
    if(files.length === 0) {
      problem(`${label}: countersign issued nothing`);
    }
    for(const file of files) {
      const credential = JSON.parse(readFileSync(file, 'utf8'));
      const name = `${label} ${basename(file)}`;
      // Every credential we issue verifies; the demo's tampered licence is the one
      // deliberately broken credential, and must fail in both.
      const want = !basename(file).startsWith('tampered-');
      const ours = ourVerify(credential, work).signature;
      for(const [form, document] of [
        ['as issued', credential],
        ['anchoring proof removed', withoutAnchor(credential)]
      ]) {
        if(form === 'anchoring proof removed' && !Array.isArray(credential.proof)) {
          continue; // no anchoring proof to remove
        }
        const theirs = await theirVerify(document);
        compared++;
        if(theirs.verified !== want || ours !== want) {
          problem(`${name} (${form}): want ${want ? 'verified' : 'refused'}, ` +
            `theirs ${theirs.verified} ${theirs.message}, ours ${ours}`);
        }
      }
      count++;
    }
  }
  console.log(`ours -> theirs: ${count} credentials from countersign, each as issued and ` +
    'with its anchoring proof removed');
}

// Every path to a value in `value`, parents before children.
function paths(value, prefix = []) {
  if(value === null || typeof value !== 'object') {
    return [];
  }
  const entries = Array.isArray(value) ? value.map((v, i) => [i, v]) : Object.entries(value);
  return entries.flatMap(([k, v]) => [[...prefix, k], ...paths(v, [...prefix, k])]);
}

function changed(document, path, change) {
  const copy = structuredClone(document);
  const parent = path.slice(0, -1).reduce((v, k) => v[k], copy);
  const key = path.at(-1);
  const old = parent[key];
  switch(change) {
  case 'alter':
    if(typeof old === 'string') {
      const chars = [...old];
      const i = Math.floor(chars.length / 2);
      chars[i] = chars[i] === '中' ? '国' : chars[i] === 'a' ? 'b' : 'a';
      parent[key] = chars.length ? chars.join('') : 'x';
    } else if(Array.isArray(old)) {
      parent[key] = [];
    } else if(old && typeof old === 'object') {
      parent[key] = {};
    } else {
      parent[key] = typeof old === 'number' ? old + 1 : !old;
    }
    break;
  case 'remove':
    if(Array.isArray(parent)) {
      parent.splice(key, 1);
    } else {
      delete parent[key];
    }
    break;
  case 'add neighbour':
    if(Array.isArray(parent)) {
      // In an @context list, a context both sides can load (the loader refuses others), so
      // the change tested is the added context, not a loading failure.
      parent.splice(key + 1, 0, path.includes('@context') ? UNDEFINED_TERMS : 'tamper');
    } else {
      parent.tamper = 'x';
    }
    break;
  default:
    throw new Error(change);
  }
  return copy;
}

// The disagreements the specification itself causes (docs/PROTOCOL.md §2.2). Each is asserted
// exactly: {theirs, ours} must hold as written.
const EXPECTED_DIFFERENCES = [
  {
    // Verify Proof (3.3.2 step 6 with 3.3.5) puts the document's @context into the proof
    // configuration when the proof has none: the signed bytes are unchanged, so a conformant
    // verifier accepts (and ours must: it is how credentials issued before the proof carried
    // @context verify). Theirs hashes the proof as found and refuses.
    match: (path, change) => change === 'remove' && path.join('/') === 'proof/@context',
    theirs: false,
    ours: true
  },
  {
    // Verify Proof 3.3.2 step 4 accepts a document @context that merely starts with the
    // proof's, and verifies over the proof's: theirs accepts an appended context; ours
    // refuses the unsigned context (signature.unsupported).
    match: (path, change) => change === 'add neighbour' && path.join('/') === '@context/0',
    theirs: true,
    ours: false
  }
];

async function theirsToOurs(work) {
  const {keyPair, did} = await theirKey();
  const documents = Object.entries(SUBJECTS).map(([type, subject], i) => [type, subject, i]);
  documents.push([UNKNOWN_TYPE, UNKNOWN_SUBJECT, documents.length]);
  let variants = 0;
  for(const [type, subject, i] of documents) {
    const unsigned = {
      '@context': [VC_V2],
      id: `urn:uuid:6f1d8a52-3c4b-4e7a-9d0f-1a2b3c4d5e6${i}`,
      type: ['VerifiableCredential', type],
      issuer: {id: did, name: '独立实现测试签发机构'},
      validFrom: VALID_FROM,
      credentialSubject: subject
    };
    // Through JSON, as a verifier receives it: their signer shares one array between the
    // document's and the proof's @context, and a change to one must not change the other.
    const signed = JSON.parse(JSON.stringify(await theirSign(unsigned, keyPair)));
    const theirs = await theirVerify(signed);
    const ours = ourVerify(signed, work);
    compared++;
    if(!theirs.verified || !ours.accepted) {
      problem(`${type} signed by theirs: theirs ${theirs.verified} ${theirs.message}, ` +
        `ours ${ours.codes}`);
      continue;
    }
    for(const path of paths(signed)) {
      for(const change of ['alter', 'remove', 'add neighbour']) {
        const variant = changed(signed, path, change);
        const what = `${type} /${path.join('/')} ${change}`;
        const expected = EXPECTED_DIFFERENCES.find(d => d.match(path, change)) ||
          {theirs: false, ours: false};
        const theirs = await theirVerify(variant);
        const ours = ourVerify(variant, work);
        compared++;
        variants++;
        if(theirs.verified !== expected.theirs || ours.accepted !== expected.ours) {
          problem(`${what}: want theirs ${expected.theirs} ours ${expected.ours}, got theirs ` +
            `${theirs.verified} (${theirs.message}), ours ${ours.accepted} (${ours.codes})`);
        }
      }
    }
  }
  console.log(`theirs -> ours: ${documents.length} credentials signed by the independent ` +
    `implementation (3 known types, ${UNKNOWN_TYPE}) accepted; ${variants} changed variants ` +
    'refused by both (but the specification\'s own differences)');
}

if(!existsSync(CLI)) {
  console.error(`interop: no countersign binary at ${CLI} (set COUNTERSIGN_CLI)`);
  process.exit(1);
}
const work = mkdtempSync(join(tmpdir(), 'countersign-interop-'));
try {
  await oursToTheirs(work);
  await theirsToOurs(work);
} finally {
  rmSync(work, {recursive: true, force: true});
}
if(problems.length > 0) {
  console.error(`interop: ${problems.length} disagreement(s) in ${compared} comparisons`);
  process.exit(1);
}
console.log(`interop: ${compared} comparisons, the two implementations agree`);
