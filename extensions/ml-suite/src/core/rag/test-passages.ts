import type { RagPassage } from './types.js';

/** Builds a passage for tests; only `content` and `score` usually matter. */
export function passage(item: string, content: string, score = 0.8, extra: Partial<RagPassage> = {}): RagPassage {
	return {
		index: 'articles',
		collection: 'articles',
		item,
		title: `Article ${item}`,
		content,
		score,
		link: `/admin/content/articles/${item}`,
		...extra,
	};
}
