#!/usr/bin/env node
// Prepares the retrieval sets that bench/relevance.bench.ts reads (issue 9), from git copies of
// public GitHub repositories at pinned commits, so every run measures the same documents. The
// data itself is not committed (third-party material); this script reads it with
// `git show <commit>:<path>`, converts it to BEIR's layout where it is not already in it, and
// writes `<out>/<set>/{corpus.jsonl,queries.jsonl,qrels/test.tsv}`:
//
//   scifact    BEIR SciFact (Wadden et al., 2020; CC BY-NC 2.0): the corpus from the SciFact
//              release as CSV (data/scifact.zip of sumithra-p-v/claimverifier), BEIR's test
//              queries and qrels (data/scifact/ of RafaelCherman/projeto_final)
//   cranfield  the Cranfield collection (not a BEIR set; converted to BEIR's layout):
//              data/cranfield_raw/ of Nivedhasriram/Hybrid-Information-Retrieval-System
//
// Usage (each repository cloned anywhere; any clone holding the commit works):
//   git clone https://github.com/sumithra-p-v/claimverifier
//   git clone https://github.com/RafaelCherman/projeto_final
//   git clone https://github.com/Nivedhasriram/Hybrid-Information-Retrieval-System
//   node bench/support/prepare-beir-data.mjs claimverifier projeto_final Hybrid-Information-Retrieval-System [out]
// `out` defaults to BENCH_BEIR_DIR or bench/.data (ignored by git). Each written file is checked
// against its expected SHA-256; the script fails if a source differs.
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { inflateRawSync } from 'node:zlib';
import { reexecUnderNode22 } from '../../scripts/lib/runtime.mjs';
import { showAtCommit } from './pinned-git.mjs';

const ROOT = resolve(import.meta.dirname, '..', '..');

export const SOURCES = {
	scifactCorpus: { repo: 'sumithra-p-v/claimverifier', commit: 'b42f1c3444b28884ddcfadffafbfe223646c6c37', path: 'data/scifact.zip', entry: 'corpus_train.csv' },
	scifactQueries: { repo: 'RafaelCherman/projeto_final', commit: '358b46b3fd3dc2dff178ae25c7c85c8668652623', queries: 'data/scifact/queries.jsonl', qrels: 'data/scifact/qrels.tsv' },
	cranfield: { repo: 'Nivedhasriram/Hybrid-Information-Retrieval-System', commit: 'a8c87b081caceec48ea4e22dd76a80ca64d7489f', folder: 'data/cranfield_raw' },
};

/** SHA-256 of every output file, as produced from the commits above. */
const EXPECTED = {
	'scifact/corpus.jsonl': '6f4537d80191ac9667b498871a76363947a2d2196f40d56ed21783cf5e78a0e8',
	'scifact/queries.jsonl': '19112b3a0755f3e8d6f2f2f3be53ee27e943e259a9c90d998121461fe3f73850',
	'scifact/qrels/test.tsv': '68dd668c8c6811a3baa7cec6e10c55bb512b768f332f7f741563d811f94d2369',
	'cranfield/corpus.jsonl': '1186b922049fb35240459913300cae0f7c4109e11c95afbe28f7f1b68c4f997a',
	'cranfield/queries.jsonl': 'c64f2a5abfe8f457be9da7ec6e42d6e47c0d70b88d56683a3603732b4314c88d',
	'cranfield/qrels/test.tsv': '9ada160931c0bd2131926ba600d457abe55de94591e3c65447f1f61f6c4b11da',
};

function show(dir, commit, path) {
	return showAtCommit(dir, commit, path);
}

/** One entry of a ZIP archive (stored or deflated), found through the central directory. */
function unzipEntry(zip, name) {
	let eocd = zip.length - 22;
	while (eocd >= 0 && zip.readUInt32LE(eocd) !== 0x06054b50) eocd--;
	if (eocd < 0) throw new Error('not a ZIP archive');
	const entries = zip.readUInt16LE(eocd + 10);
	let at = zip.readUInt32LE(eocd + 16);
	for (let i = 0; i < entries; i++) {
		const method = zip.readUInt16LE(at + 10);
		const compressed = zip.readUInt32LE(at + 20);
		const nameLength = zip.readUInt16LE(at + 28);
		const extraLength = zip.readUInt16LE(at + 30);
		const commentLength = zip.readUInt16LE(at + 32);
		const local = zip.readUInt32LE(at + 42);
		if (zip.toString('utf8', at + 46, at + 46 + nameLength) === name) {
			const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
			const data = zip.subarray(start, start + compressed);
			if (method === 0) return data;
			if (method === 8) return inflateRawSync(data);
			throw new Error(`unsupported ZIP method ${method} for ${name}`);
		}
		at += 46 + nameLength + extraLength + commentLength;
	}
	throw new Error(`${name} is not in the archive`);
}

async function main(argv) {
	const [claimverifierDir, projetoDir, cranfieldDir, outArg] = argv;
	if (!claimverifierDir || !projetoDir || !cranfieldDir) {
		console.error('usage: node bench/support/prepare-beir-data.mjs <clone of sumithra-p-v/claimverifier> <clone of RafaelCherman/projeto_final> <clone of Nivedhasriram/Hybrid-Information-Retrieval-System> [out]');
		process.exit(2);
	}
	const out = resolve(outArg ?? process.env.BENCH_BEIR_DIR ?? join(ROOT, 'bench', '.data'));
	const { convertSciFactCsv, convertCranfield } = await import(pathToFileURL(join(import.meta.dirname, 'beir.ts')).href);
	const work = mkdtempSync(join(tmpdir(), 'beir-'));
	try {
		const { scifactCorpus, scifactQueries, cranfield } = SOURCES;
		writeFileSync(join(work, 'corpus_train.csv'), unzipEntry(show(claimverifierDir, scifactCorpus.commit, scifactCorpus.path), scifactCorpus.entry));
		writeFileSync(join(work, 'queries.jsonl'), show(projetoDir, scifactQueries.commit, scifactQueries.queries));
		writeFileSync(join(work, 'qrels.tsv'), show(projetoDir, scifactQueries.commit, scifactQueries.qrels));
		convertSciFactCsv(join(work, 'corpus_train.csv'), join(work, 'queries.jsonl'), join(work, 'qrels.tsv'), join(out, 'scifact'));
		mkdirSync(join(work, 'cranfield'));
		for (const file of ['cran.all.1400', 'cran.qry', 'cranqrel']) writeFileSync(join(work, 'cranfield', file), show(cranfieldDir, cranfield.commit, `${cranfield.folder}/${file}`));
		convertCranfield(join(work, 'cranfield'), join(out, 'cranfield'));
	} finally {
		rmSync(work, { recursive: true, force: true });
	}

	let mismatch = false;
	for (const [path, expected] of Object.entries(EXPECTED)) {
		const hash = createHash('sha256').update(readFileSync(join(out, path))).digest('hex');
		if (hash !== expected) {
			mismatch = true;
			console.error(`${path}: SHA-256 ${hash}, expected ${expected}`);
		}
	}
	if (mismatch) {
		console.error('The sources differ from the pinned commits: the figures would not be comparable.');
		process.exit(1);
	}
	console.log(`Wrote scifact and cranfield to ${out} (SHA-256 checked).`);
}

if (!reexecUnderNode22()) await main(process.argv.slice(2));
