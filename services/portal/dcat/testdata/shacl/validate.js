// validate.js: the dcat package's RDF tool, run by its Go tests.
//
//   node validate.js shacl --data catalog.rdf --shapes a.ttl [--shapes b.ttl]
//                          [--vocab vocabularies.ttl] [--rdfs-resource]
//     Validates the data graph (merged with the vocabulary graphs, which
//     type the controlled-vocabulary IRIs the range shapes ask classes of)
//     against the union of the shapes graphs. --rdfs-resource adds the RDFS
//     entailment "every IRI is an rdfs:Resource" that the HVD shapes expect.
//     Prints {"conforms", "results": [{severity, focusNode, path, message,
//     shape, value}]}.
//
//   node validate.js compare a.rdf b.ttl c.jsonld
//     Parses each file and prints {"graphs": [{file, triples, subjects,
//     blankNodes}], "isomorphic"}: whether all graphs are the same graph.
//
// The format follows the file's extension: .rdf (RDF/XML), .ttl (Turtle),
// .jsonld (JSON-LD). Exit status 0 when the command ran (whatever the
// result), 1 on a usage or parse error.
import fs from 'node:fs'
import rdf from '@zazuko/env'
import SHACLValidator from 'rdf-validate-shacl'
import N3 from 'n3'
import { RdfXmlParser } from 'rdfxml-streaming-parser'
import { JsonLdParser } from 'jsonld-streaming-parser'
import { isomorphic } from 'rdf-isomorphic'

const RDF_TYPE = 'http://www.w3.org/1999/02/22-rdf-syntax-ns#type'
const RDFS_RESOURCE = 'http://www.w3.org/2000/01/rdf-schema#Resource'

// parse reads one file into an array of quads.
function parse (file) {
  const text = fs.readFileSync(file, 'utf8')
  if (file.endsWith('.ttl')) {
    return Promise.resolve(new N3.Parser({ format: 'text/turtle' }).parse(text))
  }
  let parser
  if (file.endsWith('.rdf')) {
    parser = new RdfXmlParser({ baseIRI: 'urn:base:' })
  } else if (file.endsWith('.jsonld')) {
    parser = new JsonLdParser({ baseIRI: 'urn:base:' })
  } else {
    return Promise.reject(new Error(`${file}: unknown extension`))
  }
  return new Promise((resolve, reject) => {
    const quads = []
    parser.on('data', (q) => quads.push(q))
    parser.on('error', (e) => reject(new Error(`${file}: ${e.message}`)))
    parser.on('end', () => resolve(quads))
    parser.write(text)
    parser.end()
  })
}

async function load (files) {
  const ds = rdf.dataset()
  for (const f of files) {
    for (const q of await parse(f)) ds.add(q)
  }
  return ds
}

// rdfsResource adds "x a rdfs:Resource" for every IRI in the graph.
function rdfsResource (ds) {
  const iris = new Set()
  for (const q of ds) {
    for (const t of [q.subject, q.object]) {
      if (t.termType === 'NamedNode') iris.add(t.value)
    }
  }
  for (const i of iris) {
    ds.add(rdf.quad(rdf.namedNode(i), rdf.namedNode(RDF_TYPE), rdf.namedNode(RDFS_RESOURCE)))
  }
}

async function shacl (args) {
  const opt = { data: [], shapes: [], vocab: [], rdfsResource: false }
  for (let i = 0; i < args.length; i++) {
    const a = args[i]
    if (a === '--rdfs-resource') opt.rdfsResource = true
    else if (['--data', '--shapes', '--vocab'].includes(a) && i + 1 < args.length) opt[a.slice(2)].push(args[++i])
    else throw new Error(`unknown argument ${a}`)
  }
  if (opt.data.length === 0 || opt.shapes.length === 0) throw new Error('shacl needs --data and --shapes')
  const data = await load([...opt.data, ...opt.vocab])
  if (opt.rdfsResource) rdfsResource(data)
  const shapes = await load(opt.shapes)
  const report = await new SHACLValidator(shapes, { factory: rdf }).validate(data)
  return {
    conforms: report.conforms,
    results: report.results.map((r) => ({
      severity: r.severity?.value.replace('http://www.w3.org/ns/shacl#', ''),
      focusNode: r.focusNode?.value,
      path: r.path?.value,
      message: r.message.map((m) => m.value).join('; '),
      shape: r.sourceShape?.value,
      component: r.sourceConstraintComponent?.value.replace('http://www.w3.org/ns/shacl#', ''),
      value: r.value?.value
    }))
  }
}

async function compare (files) {
  if (files.length < 2) throw new Error('compare needs two files or more')
  const graphs = []
  for (const f of files) graphs.push({ file: f, quads: await parse(f) })
  const out = graphs.map((g) => {
    const subjects = new Set(g.quads.map((q) => q.subject.value))
    const blank = g.quads.filter((q) => q.subject.termType === 'BlankNode' || q.object.termType === 'BlankNode')
    return { file: g.file, triples: g.quads.length, subjects: subjects.size, blankNodes: blank.length }
  })
  const iso = graphs.every((g) => isomorphic(g.quads, graphs[0].quads))
  return { graphs: out, isomorphic: iso }
}

const [cmd, ...args] = process.argv.slice(2)
try {
  let out
  if (cmd === 'shacl') out = await shacl(args)
  else if (cmd === 'compare') out = await compare(args)
  else throw new Error('usage: node validate.js shacl|compare ...')
  process.stdout.write(JSON.stringify(out, null, 2) + '\n')
} catch (e) {
  process.stderr.write(`validate.js: ${e.message}\n`)
  process.exit(1)
}
