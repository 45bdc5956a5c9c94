import { describe, expect, it } from 'vitest';
import { prepareDocument } from './build-document.js';
import { testIndex } from './index-definition.fixtures.js';

describe('prepareDocument', () => {
	it('keeps the content hash and chunks of a mixed Markdown/HTML document (a changed hash re-embeds every index)', () => {
		const index = testIndex('a', 'articles', { metadataFields: ['category'], contextFields: ['summary'] });
		const record = {
			title: '<h1>Caf&eacute; **notes**</h1>',
			summary: 'A _short_ summary\r\nwith  spaces',
			body: '# Heading\n\nSome **bold** prose with a [link](https://x.test) and `code`.\n\n<p>HTML&nbsp;para<br>line</p>\n\n' + 'Plain sentence number one. '.repeat(80),
			category: 'topic-1',
		};
		const doc = prepareDocument(index, '42', record, 'settings');
		// Computed before htmlToText's steps were made conditional (commit 7030407).
		expect(doc.contentHash).toBe('e4ff8646ef8a390d856b44bc3048f153bf9ac653bd2926d897a3d0ee07a2525c');
		expect(doc.title).toBe('Café notes');
		expect(doc.contextPrefix).toBe('A short summary\nwith spaces');
		expect(doc.chunks.map((c) => [c.content.length, c.tokenCount])).toEqual([
			[980, 255],
			[998, 259],
			[242, 63],
		]);
		// Block elements make it HTML: its source line breaks are spaces, only elements break lines.
		expect(doc.chunks[0]!.content.slice(0, 90)).toBe('Heading Some bold prose with a link and code.\n\nHTML para\nline\n\nPlain sentence number one. ');
	});
});
