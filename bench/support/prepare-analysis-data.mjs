#!/usr/bin/env node
// Prepares the public labelled data that bench/analysis.bench.ts reads (issue 10), from git
// copies of two public GitHub repositories at pinned commits, so every run measures the same
// texts. The data itself is not committed (it is third-party material); this script only reads
// it with `git show <commit>:<path>` and writes the bench's input files:
//
//   <out>/sentiment/{amazon_cells,imdb,yelp}_labelled.txt   UCI "Sentiment Labelled Sentences"
//       (Kotzias et al., KDD 2015; CC BY 4.0) as found in kvrao/sentiment_analysis
//   <out>/bbc-news-summary-100.json                          BBC News Summary (Pariza Sharif,
//       Kaggle 2018; CC0), the first 20 articles of each of the 5 topics with their reference
//       extractive summaries, as found in adamchristiansen/text-summarizer (corpus/)
//
// Usage (the two repositories cloned anywhere; any clone holding the commits works):
//   git clone https://github.com/kvrao/sentiment_analysis
//   git clone https://github.com/adamchristiansen/text-summarizer
//   node bench/support/prepare-analysis-data.mjs sentiment_analysis text-summarizer [out]
// `out` defaults to BENCH_ANALYSIS_DIR or bench/.data/analysis (ignored by git). The script
// checks each written file against its expected SHA-256 and fails if the sources differ.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { showAtCommit } from './pinned-git.mjs';

const ROOT = resolve(import.meta.dirname, '..', '..');

export const SOURCES = {
	sentiment: { repo: 'kvrao/sentiment_analysis', commit: '462f7304ab341f1b5014e6eae56100bfe35d703a', folder: 'sentiment labelled sentences' },
	bbc: { repo: 'adamchristiansen/text-summarizer', commit: 'ef6fe934c9eb592014638df91f2211cad4e117c2', folder: 'corpus' },
};

const SENTIMENT_FILES = ['amazon_cells_labelled.txt', 'imdb_labelled.txt', 'yelp_labelled.txt'];
const TOPICS = ['business', 'entertainment', 'politics', 'sport', 'tech'];

/** SHA-256 of every output file, as produced from the commits above. */
const EXPECTED = {
	'sentiment/amazon_cells_labelled.txt': '47003fc0a0d4840b00e96e715b6189bad09e7443a3da41c4cbe12ffc79f86ae3',
	'sentiment/imdb_labelled.txt': 'c662b9360c1652babb990d164835af12aa105db7991f1fdb19038115f0e93de8',
	'sentiment/yelp_labelled.txt': 'b565b1eeb864d76842588c3a256731b08bcdd9faf6de507bfe211a96f8b81912',
	'bbc-news-summary-100.json': 'e87730ca083f7aaccd6be09f323c03ed17207c9c4cdde5ccd35226386ab8fe21',
};

function show(dir, commit, path) {
	return showAtCommit(dir, commit, path, { encoding: 'utf8' });
}

function list(dir, commit, path) {
	return execFileSync('git', ['-C', dir, 'ls-tree', '--name-only', `${commit}:${path}`], { encoding: 'utf8' })
		.split('\n')
		.filter((name) => name.endsWith('.txt'))
		.sort();
}

function main(argv) {
	const [sentimentDir, bbcDir, outArg] = argv;
	if (!sentimentDir || !bbcDir) {
		console.error('usage: node bench/support/prepare-analysis-data.mjs <clone of kvrao/sentiment_analysis> <clone of adamchristiansen/text-summarizer> [out]');
		process.exit(2);
	}
	const out = resolve(outArg ?? process.env.BENCH_ANALYSIS_DIR ?? join(ROOT, 'bench', '.data', 'analysis'));
	const files = {};
	for (const name of SENTIMENT_FILES) {
		files[`sentiment/${name}`] = show(sentimentDir, SOURCES.sentiment.commit, `${SOURCES.sentiment.folder}/${name}`);
	}
	const articles = [];
	for (const topic of TOPICS) {
		for (const name of list(bbcDir, SOURCES.bbc.commit, `${SOURCES.bbc.folder}/article/${topic}`)) {
			const article = show(bbcDir, SOURCES.bbc.commit, `${SOURCES.bbc.folder}/article/${topic}/${name}`).trim();
			const summary = show(bbcDir, SOURCES.bbc.commit, `${SOURCES.bbc.folder}/summary/${topic}/${name}`).trim();
			articles.push({ id: `${topic}/${name.replace(/\.txt$/, '')}`, topic, article, summary });
		}
	}
	files['bbc-news-summary-100.json'] = `${JSON.stringify(articles, null, 1)}\n`;

	let mismatch = false;
	for (const [path, text] of Object.entries(files)) {
		const hash = createHash('sha256').update(text).digest('hex');
		if (EXPECTED[path] && EXPECTED[path] !== hash) {
			console.error(`${path}: sha256 ${hash}, expected ${EXPECTED[path]}`);
			mismatch = true;
		}
		mkdirSync(join(out, path, '..'), { recursive: true });
		writeFileSync(join(out, path), text);
		console.log(`${path}  sha256 ${hash}`);
	}
	if (mismatch) {
		console.error('the sources differ from the pinned ones: the figures would not be comparable');
		process.exit(1);
	}
	console.log(`wrote ${Object.keys(files).length} files (${articles.length} BBC articles) to ${out}`);
}

main(process.argv.slice(2));
