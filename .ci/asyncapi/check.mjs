// check.mjs parses each AsyncAPI document named on the command line with the
// official parser and fails on any diagnostic of severity error (0) or
// warning (1), so specs stay clean rather than merely parseable.
import { Parser, fromFile } from '@asyncapi/parser';
import path from 'node:path';

const parser = new Parser();
let failed = 0;
for (const file of process.argv.slice(2)) {
  const abs = path.resolve(file);
  const { document, diagnostics } = await fromFile(parser, abs).parse();
  const bad = diagnostics.filter((d) => d.severity <= 1);
  for (const d of bad) {
    const where = (d.path || []).join('/');
    console.error(`${file}: ${d.code}: ${d.message} at /${where}`);
  }
  if (!document || bad.length > 0) {
    failed++;
    console.error(`${file}: FAIL (${bad.length} problems)`);
  } else {
    console.log(`${file}: ok (AsyncAPI ${document.version()}, ${document.allMessages().length} messages)`);
  }
}
process.exit(failed ? 1 : 0);
