// Runs the CSAF 2.0 tests of the BSI's @secvisogram/csaf-validator-lib on
// CSAF documents: the strict schema test, every mandatory test (6.1) and
// every optional test (6.2). The informative tests (6.3) are left out: they
// need hunspell and the network. Usage: node validate.mjs FILE...
// Prints one JSON array on standard output, an object per file:
// {"file", "isValid", "tests": [{"name", "isValid", "errors", "warnings", "infos"}]}
// with only the tests that reported something. Exits 0 when it could run
// the tests, whatever they found; 2 on bad usage or unreadable input.
import { readFile } from 'node:fs/promises'
import validateStrict from '@secvisogram/csaf-validator-lib/validateStrict.js'
import * as mandatory from '@secvisogram/csaf-validator-lib/mandatoryTests.js'
import * as optional from '@secvisogram/csaf-validator-lib/optionalTests.js'
import { csaf_2_0_strict } from '@secvisogram/csaf-validator-lib/schemaTests.js'

const files = process.argv.slice(2)
if (files.length === 0) {
  console.error('usage: node validate.mjs FILE...')
  process.exit(2)
}

const kinds = { schema: [csaf_2_0_strict], mandatory: Object.values(mandatory), optional: Object.values(optional) }
const out = []
for (const file of files) {
  let doc
  try {
    doc = JSON.parse(await readFile(file, 'utf8'))
  } catch (e) {
    console.error(`${file}: ${e.message}`)
    process.exit(2)
  }
  const entry = { file, isValid: true, tests: [] }
  for (const [kind, tests] of Object.entries(kinds)) {
    const result = await validateStrict(tests, doc)
    for (const t of result.tests) {
      const noisy = t.errors.length + t.warnings.length + t.infos.length > 0
      if (!t.isValid || noisy) {
        entry.tests.push({ kind, name: t.name, isValid: t.isValid, errors: t.errors, warnings: t.warnings, infos: t.infos })
      }
    }
    if (kind !== 'optional' && !result.isValid) entry.isValid = false
  }
  out.push(entry)
}
console.log(JSON.stringify(out, null, 1))
