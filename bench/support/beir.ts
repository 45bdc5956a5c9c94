import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface BeirSet {
	name: string;
	corpus: { id: string; title: string; text: string }[];
	queries: Map<string, string>;
	/** query id → (doc id → graded relevance > 0) */
	qrels: Map<string, Map<string, number>>;
}

/**
 * Reads a BEIR-format set: `corpus.jsonl` ({_id, title, text}), `queries.jsonl` ({_id, text})
 * and `qrels/test.tsv` (query-id, corpus-id, score, with a header line). Only queries that have
 * test judgements are kept.
 */
export function loadBeir(dir: string, name: string): BeirSet {
	const lines = (file: string): string[] => readFileSync(join(dir, file), 'utf8').split('\n').filter((l) => l.trim().length > 0);
	const corpus = lines('corpus.jsonl').map((l) => {
		const d = JSON.parse(l) as { _id: string; title?: string; text?: string };
		return { id: String(d._id), title: d.title ?? '', text: d.text ?? '' };
	});
	const qrels = new Map<string, Map<string, number>>();
	for (const line of lines(join('qrels', 'test.tsv')).slice(1)) {
		const [q, d, s] = line.split('\t');
		if (!q || !d || Number(s) <= 0) continue;
		if (!qrels.has(q)) qrels.set(q, new Map());
		qrels.get(q)!.set(d, Number(s));
	}
	const queries = new Map<string, string>();
	for (const l of lines('queries.jsonl')) {
		const q = JSON.parse(l) as { _id?: string; query_id?: string; text: string };
		const id = String(q._id ?? q.query_id);
		if (qrels.has(id)) queries.set(id, q.text);
	}
	return { name, corpus, queries, qrels };
}

/** Every BEIR set under `root` (a folder holding `<name>/corpus.jsonl`). */
export function listBeirSets(root: string): string[] {
	if (!existsSync(root)) return [];
	return readdirSync(root, { withFileTypes: true })
		.filter((e) => e.isDirectory() && existsSync(join(root, e.name, 'corpus.jsonl')) && existsSync(join(root, e.name, 'qrels', 'test.tsv')))
		.map((e) => e.name)
		.sort();
}

/** nDCG@k of a ranked list of doc ids against graded judgements (exponential gain as in BEIR's pytrec_eval). */
export function ndcgAt(ranked: readonly string[], relevant: ReadonlyMap<string, number>, k: number): number {
	let dcg = 0;
	ranked.slice(0, k).forEach((id, i) => {
		const rel = relevant.get(id) ?? 0;
		if (rel > 0) dcg += (2 ** rel - 1) / Math.log2(i + 2);
	});
	const ideal = [...relevant.values()].sort((a, b) => b - a).slice(0, k);
	const idcg = ideal.reduce((sum, rel, i) => sum + (2 ** rel - 1) / Math.log2(i + 2), 0);
	return idcg > 0 ? dcg / idcg : 0;
}

/**
 * Converts the SciFact release as published in CSV form (`corpus_train.csv`: doc_id, title,
 * abstract as a Python list of sentences) into BEIR's `corpus.jsonl` (text = sentences joined
 * by spaces, as BEIR's own conversion does), beside BEIR's test queries and qrels.
 */
export function convertSciFactCsv(csvFile: string, queriesJsonl: string, qrelsTsv: string, outDir: string): void {
	mkdirSync(join(outDir, 'qrels'), { recursive: true });
	const rows = parseCsv(readFileSync(csvFile, 'utf8'));
	const header = rows.shift()!;
	const col = (name: string): number => header.indexOf(name);
	const out: string[] = [];
	for (const row of rows) {
		if (row.length < header.length) continue;
		const sentences = [...row[col('abstract')]!.matchAll(/'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)"/gs)].map((m) => unescapePython(m[1] ?? m[2] ?? '').trim());
		out.push(JSON.stringify({ _id: row[col('doc_id')], title: row[col('title')], text: sentences.join(' ') }));
	}
	writeFileSync(join(outDir, 'corpus.jsonl'), `${out.join('\n')}\n`);
	writeFileSync(join(outDir, 'queries.jsonl'), readFileSync(queriesJsonl, 'utf8'));
	writeFileSync(join(outDir, 'qrels', 'test.tsv'), readFileSync(qrelsTsv, 'utf8'));
}

function unescapePython(s: string): string {
	return s.replace(/\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|.)/g, (_, e: string) => {
		if (e[0] === 'x' || e[0] === 'u') return String.fromCharCode(parseInt(e.slice(1), 16));
		return e === 'n' ? '\n' : e === 't' ? ' ' : e;
	});
}

/** RFC 4180 CSV (quoted fields may hold commas, quotes and newlines). */
function parseCsv(text: string): string[][] {
	const rows: string[][] = [];
	let row: string[] = [];
	let field = '';
	let quoted = false;
	for (let i = 0; i < text.length; i++) {
		const c = text[i]!;
		if (quoted) {
			if (c === '"') {
				if (text[i + 1] === '"') {
					field += '"';
					i++;
				} else quoted = false;
			} else field += c;
		} else if (c === '"') quoted = true;
		else if (c === ',') {
			row.push(field);
			field = '';
		} else if (c === '\n') {
			row.push(field);
			rows.push(row);
			row = [];
			field = '';
		} else if (c !== '\r') field += c;
	}
	if (field || row.length > 0) {
		row.push(field);
		rows.push(row);
	}
	return rows;
}

/**
 * Converts the Cranfield collection in its SGML-like form (`cran.all.1400` with `<docno>`,
 * `<title>`, `<text>`; `cran.qry` with `<num>` and `<title>`; `cranqrel` as `query 0 doc rel`)
 * into BEIR's layout. The qrels number queries by their position in `cran.qry` (1–225), not by
 * the `<num>` printed there (1–365), as every Cranfield conversion does; only rel > 0 is kept.
 */
export function convertCranfield(rawDir: string, outDir: string): void {
	mkdirSync(join(outDir, 'qrels'), { recursive: true });
	const tag = (block: string, name: string): string => (block.match(new RegExp(`<${name}>([\\s\\S]*?)</${name}>`))?.[1] ?? '').replace(/\s+/g, ' ').trim();
	const docs = readFileSync(join(rawDir, 'cran.all.1400'), 'utf8').split('</doc>').filter((b) => b.includes('<docno>'));
	writeFileSync(join(outDir, 'corpus.jsonl'), `${docs.map((b) => JSON.stringify({ _id: tag(b, 'docno'), title: tag(b, 'title'), text: tag(b, 'text') })).join('\n')}\n`);
	const queries = readFileSync(join(rawDir, 'cran.qry'), 'utf8').split('</top>').filter((b) => b.includes('<num>'));
	writeFileSync(join(outDir, 'queries.jsonl'), `${queries.map((b, i) => JSON.stringify({ _id: String(i + 1), text: tag(b, 'title') })).join('\n')}\n`);
	const qrels = readFileSync(join(rawDir, 'cranqrel'), 'utf8')
		.split('\n')
		.map((l) => l.trim().split(/\s+/))
		.filter((f) => f.length === 4 && Number(f[3]) > 0)
		.map(([q, , d, r]) => `${q}\t${d}\t${r}`);
	writeFileSync(join(outDir, 'qrels', 'test.tsv'), `query-id\tcorpus-id\tscore\n${qrels.join('\n')}\n`);
}
