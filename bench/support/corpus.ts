import { seededRandom } from './stats.js';

const SYLLABLES = ['ka', 'lo', 'mi', 'tre', 'sun', 'var', 'del', 'o', 'pra', 'nis', 'ta', 'ber', 'ul', 'chi', 'gor', 'fen', 'ra', 'wes', 'quo', 'lin', 'ma', 'dor', 'sel', 'vi'];
const COMMON = 'the of and to in is that for it as with was on be by this are from at or an which have not they has but one all were can more when there their we been will if would so about into than its some what only other time very'.split(' ');

export interface CorpusItem {
	id: number;
	title: string;
	body: string;
	category: string;
}

/** A deterministic word list: pronounceable pseudo-words, grouped into topics. */
export class Vocabulary {
	readonly words: string[];
	readonly topics: string[][];

	constructor(size = 6000, topicCount = 60, seed = 7) {
		const random = seededRandom(seed);
		const seen = new Set<string>();
		while (seen.size < size) {
			const parts = 1 + Math.floor(random() * 3) + (random() < 0.3 ? 1 : 0);
			let word = '';
			for (let i = 0; i < parts; i++) word += SYLLABLES[Math.floor(random() * SYLLABLES.length)];
			if (word.length >= 3) seen.add(word);
		}
		this.words = [...seen];
		this.topics = Array.from({ length: topicCount }, (_, t) => this.words.filter((_, i) => i % topicCount === t));
	}
}

/**
 * Prose of about `length` characters: sentences of 6–20 words mixing function words, the
 * item's topic words and general words (so texts in one topic share vocabulary, as real
 * articles about one subject do).
 */
export function prose(vocab: Vocabulary, random: () => number, topic: number, length: number): string {
	const topicWords = vocab.topics[topic % vocab.topics.length]!;
	const sentences: string[] = [];
	let total = 0;
	while (total < length) {
		const count = 6 + Math.floor(random() * 15);
		const words: string[] = [];
		for (let i = 0; i < count; i++) {
			const r = random();
			// Squaring the uniform draw skews picks towards the head of each list (a Zipf-like shape).
			const pick = (list: readonly string[]): string => list[Math.floor(random() * random() * list.length)]!;
			words.push(r < 0.35 ? pick(COMMON) : r < 0.75 ? pick(topicWords) : pick(vocab.words));
		}
		const sentence = `${words.join(' ')}.`;
		sentences.push(sentence.charAt(0).toUpperCase() + sentence.slice(1));
		total += sentence.length + 1;
	}
	return sentences.join(' ').slice(0, Math.max(1, length)).trimEnd();
}

/** `count` items with bodies of 300–3000 characters (uniform), titles and a category. */
export function generateItems(count: number, seed = 42, vocab = new Vocabulary()): CorpusItem[] {
	const random = seededRandom(seed);
	const items: CorpusItem[] = [];
	for (let id = 1; id <= count; id++) {
		const topic = Math.floor(random() * vocab.topics.length);
		const length = 300 + Math.floor(random() * 2701);
		items.push({
			id,
			title: prose(vocab, random, topic, 40).replace(/\.$/, ''),
			body: prose(vocab, random, topic, length),
			category: `topic-${topic}`,
		});
	}
	return items;
}
