// validate.mjs: validates every page of odp's DCAT catalogue against the
// official DCAT-AP 3.0.1 SHACL shapes (see SOURCE.md).
//
//   node tests/shacl/validate.mjs 'http://127.0.0.1:8080/catalog.ttl?page_size=2'
//
// Fetches the Turtle page, follows hydra:next to the last page, and runs
// three validations on each page, as the official validator's profiles do:
//
//   base        shapes.ttl + range.ttl on the page alone: cardinalities,
//               literal types and classes, with no background knowledge
//               (the "Zero" profiles: every object node must carry its type)
//   vocabularies  mdr-vocabularies.shape.ttl on the page plus
//               vocabularies.ttl (the EU and ADMS concepts odp uses, in
//               place of the remote vocabularies mdr_imports.ttl loads)
//   recommended shapes_recommended.ttl on the page: warnings only
//
// Prints each violation and warning with its focus node, path and message,
// one summary line per page, and last a line
//   RESULT {"pages": [{"url", "datasets": [IRI...], "violations": [...],
//            "recommended": [...], "vocabulary": [...]}...],
//           "violations": N, "recommended_warnings": N, ...}
// for tests/integration/test_catalog.py, each result being
// {"focus", "path", "message", "value"}.  Exits 1 when any page has a
// violation, 2 when the catalogue cannot be read.
//
//   node tests/shacl/validate.mjs --file page.ttl
//
// validates one Turtle file the same way (no hydra:next).
//
// One correction is applied to mdr-vocabularies.shape.ttl when it is read:
// its ChecksumAlgorithmRestriction requires the algorithm IRI to match
// "^https://spdx.org/rdf/terms" while the SPDX namespace (the file's own
// spdx: prefix, and the spdx:ChecksumAlgorithm class the same shape
// requires) is http://spdx.org/rdf/terms#.  No IRI can satisfy both; the
// pattern is read as "^https?://spdx.org/rdf/terms".

import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import N3 from 'n3'
import SHACLValidator from 'rdf-validate-shacl'

const here = dirname(fileURLToPath(import.meta.url))
const SH = 'http://www.w3.org/ns/shacl#'
const HYDRA = 'http://www.w3.org/ns/hydra/core#'
const RDF_TYPE = 'http://www.w3.org/1999/02/22-rdf-syntax-ns#type'

function parse (text, baseIRI) {
  return new N3.Parser({ baseIRI }).parse(text)
}

function shapes (...files) {
  const quads = []
  for (const file of files) {
    let text = readFileSync(join(here, file), 'utf8')
    if (file === 'mdr-vocabularies.shape.ttl') {
      text = text.replace('sh:pattern "^https://spdx.org/rdf/terms"',
        'sh:pattern "^https?://spdx.org/rdf/terms"')
    }
    quads.push(...parse(text, 'file://' + file))
  }
  return new SHACLValidator(quads)
}

const validators = {
  base: shapes('shapes.ttl', 'range.ttl'),
  vocabularies: shapes('mdr-vocabularies.shape.ttl'),
  recommended: shapes('shapes_recommended.ttl')
}
const vocabularies = parse(readFileSync(join(here, 'vocabularies.ttl'), 'utf8'))

function termText (term) {
  if (!term) return '-'
  return term.termType === 'BlankNode' ? '_:' + term.value : term.value
}

function describe (result) {
  return {
    focus: termText(result.focusNode),
    path: termText(result.path),
    message: result.message.map(m => m.value).join('; ') ||
      termText(result.sourceConstraintComponent),
    value: result.value ? termText(result.value) : null
  }
}

function show (r) {
  return `${r.focus} ${r.path}: ${r.message}` + (r.value ? ` (value ${r.value})` : '')
}

async function check (name, quads) {
  const report = await validators[name].validate(new N3.Store(quads))
  const out = { violations: [], warnings: [] }
  for (const r of report.results) {
    const severity = r.severity ? r.severity.value : SH + 'Violation'
    if (severity === SH + 'Violation') out.violations.push(describe(r))
    else out.warnings.push(describe(r))
  }
  return out
}

// Validates one page (its Turtle text); returns its results and store.
async function validatePage (url, text) {
  const page = parse(text, url)
  const store = new N3.Store(page)
  const base = await check('base', page)
  const vocab = await check('vocabularies', page.concat(vocabularies))
  const rec = await check('recommended', page)
  const result = {
    url,
    triples: page.length,
    datasets: store.getSubjects(RDF_TYPE, 'http://www.w3.org/ns/dcat#Dataset', null).map(termText),
    violations: base.violations.concat(vocab.violations, rec.violations),
    recommended: rec.warnings,
    vocabulary: base.warnings.concat(vocab.warnings)
  }
  for (const v of result.violations) console.log(`VIOLATION ${show(v)}`)
  for (const w of result.recommended) console.log(`WARNING recommended ${show(w)}`)
  for (const w of result.vocabulary) console.log(`WARNING vocabularies ${show(w)}`)
  console.log(`PAGE ${url}: ${result.datasets.length} datasets, ${page.length} triples, ` +
    `${result.violations.length} violations, ${result.recommended.length} recommended ` +
    `warnings, ${result.vocabulary.length} vocabulary warnings`)
  return { result, store }
}

// The IRI of the next page: hydra:next of the node typed
// hydra:PartialCollectionView, as the udata harvester reads it.
function nextPage (store) {
  const views = store.getSubjects(RDF_TYPE, HYDRA + 'PartialCollectionView', null)
  if (views.length !== 1) throw new Error(`expected one hydra:PartialCollectionView, found ${views.length}`)
  const next = store.getObjects(views[0], HYDRA + 'next', null)
  if (next.length > 1) throw new Error('several hydra:next')
  return next.length ? next[0].value : null
}

async function main () {
  const pages = []
  if (process.argv[2] === '--file' && process.argv[3]) {
    const file = process.argv[3]
    pages.push((await validatePage('file://' + file, readFileSync(file, 'utf8'))).result)
  } else if (process.argv[2]) {
    const seen = new Set()
    let url = process.argv[2]
    while (url) {
      if (seen.has(url)) throw new Error(`hydra:next loops back to ${url}`)
      seen.add(url)
      const response = await fetch(url, { headers: { Accept: 'text/turtle' } })
      if (response.status !== 200) throw new Error(`GET ${url}: status ${response.status}`)
      const { result, store } = await validatePage(url, await response.text())
      pages.push(result)
      url = nextPage(store)
    }
  } else {
    console.error('usage: node validate.mjs CATALOG_TTL_URL | --file PAGE.ttl')
    process.exit(2)
  }
  const sum = key => pages.reduce((n, p) => n + p[key].length, 0)
  const totals = {
    violations: sum('violations'),
    recommended_warnings: sum('recommended'),
    vocabulary_warnings: sum('vocabulary'),
    datasets: sum('datasets'),
    pages
  }
  console.log(`TOTAL ${pages.length} pages, ${totals.datasets} datasets, ` +
    `${totals.violations} violations, ${totals.recommended_warnings} ` +
    `recommended warnings, ${totals.vocabulary_warnings} vocabulary warnings`)
  console.log('RESULT ' + JSON.stringify(totals))
  process.exit(totals.violations ? 1 : 0)
}

main().catch(e => {
  console.error(`validate.mjs: ${e.message}`)
  process.exit(2)
})
