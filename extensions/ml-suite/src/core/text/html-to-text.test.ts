import { describe, expect, it } from 'vitest';
import { decodeEntities, htmlToText } from './html-to-text.js';
import { referenceHtmlToText } from './html-to-text.reference.fixtures.js';
import { seededRandom } from '../seeded-random.js';

describe('htmlToText', () => {
	it('drops scripts, styles and comments and keeps paragraph breaks', () => {
		const html = `<html><head><title>T</title><style>p { color: red }</style></head><body>
			<h1>Title</h1><!-- hidden --><p>First <b>bold</b> paragraph.</p>
			<script type="text/javascript">alert("x<p>y</p>")</script>
			<p>Second<br>line</p><ul><li>one</li><li>two</li></ul></body></html>`;
		expect(htmlToText(html)).toBe('Title\n\nFirst bold paragraph.\n\nSecond\nline\n\none\ntwo');
	});

	it('handles Directus WYSIWYG output: entities, nbsp, images, tables, links', () => {
		const html =
			'<p>Caf&eacute; &amp; bar&nbsp;&mdash; &#8220;quoted&#x201D; &lt;tag&gt; &unknown;</p>' +
			'<p><img src="/assets/1" alt="A red fox"><a href="https://x.test">link text</a></p>' +
			'<table><tr><th>Name</th><th>Age</th></tr><tr><td>Ann</td><td>3</td></tr></table>';
		expect(htmlToText(html)).toBe('Café & bar — “quoted” <tag> &unknown;\n\nA red fox link text\n\nName Age\nAnn 3');
	});

	it('strips Markdown syntax but keeps the words and list markers', () => {
		const md = '# Heading\n\nSome **bold**, *italic* and `code` with a [link](https://x.test) and ![alt text](a.png).\n\n> quoted\n\n- item one\n- item two\n\n```js\nconst a = 1;\n```\n\n---\nend';
		expect(htmlToText(md)).toBe('Heading\n\nSome bold, italic and code with a link and alt text.\n\nquoted\n\n- item one\n- item two\n\nconst a = 1;\n\nend');
		expect(htmlToText('# not stripped', { markdown: false })).toBe('# not stripped');
	});

	it('returns empty text for markup only, and passes plain text through', () => {
		expect(htmlToText('<div><br/><p>  </p><img src="x"></div><!-- c -->')).toBe('');
		expect(htmlToText('')).toBe('');
		expect(htmlToText('a < b and c > d')).toBe('a < b and c > d');
	});

	it('drops everything after an unclosed script or comment, like a browser', () => {
		expect(htmlToText('<p>visible</p><script>var secret = 1;')).toBe('visible');
		expect(htmlToText('<p>visible</p><!-- never closed <p>hidden</p>')).toBe('visible');
	});

	it('copes with 1 MB of pathological markup', () => {
		const inputs = ['<a'.repeat(500_000), '[('.repeat(500_000), '*'.repeat(1_000_000), 'x'.repeat(1_000_000), '<p>'.repeat(300_000)];
		for (const input of inputs) {
			const out = htmlToText(input);
			expect(out.length).toBeLessThanOrEqual(input.length);
		}
		expect(htmlToText('x'.repeat(1_000_000))).toHaveLength(1_000_000);
		expect(htmlToText('<p>'.repeat(300_000))).toBe('');
	});
});

describe('decodeEntities', () => {
	it('decodes numeric references and replaces invalid code points', () => {
		expect(decodeEntities('&#65;&#x42;&#X1F600;&#0;&#xD800;&#1114112;')).toBe('AB😀\ufffd\ufffd\ufffd');
	});
});

describe('decodeEntities (full HTML entity table)', () => {
	it('decodes named entities beyond the common ones', () => {
		expect(decodeEntities('&Eacute;cole &hellip; &frac13; &Omega;&rarr;&alefsym; &NotEqualTilde; &#x1F600;')).toBe('École … ⅓ Ω→ℵ ≂̸ 😀');
	});

	it('decodes &nbsp; to a no-break space, which htmlToText then folds into a space', () => {
		expect(decodeEntities('a&nbsp;b')).toBe('a\u00a0b');
		expect(htmlToText('<p>a&nbsp;&nbsp;b&ensp;c</p>')).toBe('a b c');
	});

	it('needs the semicolon and leaves unknown names and bare ampersands alone', () => {
		expect(decodeEntities('AT&T &copy 2024 &notanentity; R&amp;D')).toBe('AT&T &copy 2024 &notanentity; R&D');
	});

	it('drops soft hyphens, written or as &shy;', () => {
		expect(decodeEntities('hy&shy;phen\u00adated')).toBe('hyphenated');
	});
});

describe('htmlToText against its reference implementation', () => {
	// Pieces every step of the conversion reacts to, mixed with words and every kind of space.
	const pieces = [
		'word', 'Other', 'x', '_', '*', '**', '__', '~~', '~~~', '```', '`', '#', '## ', '>', '> ', '[', ']', '(', ')', '![', '](', ']:', '-', '---', '* * *', '___',
		' ', '  ', '\t', '\n', '\n\n', '\n\n\n\n', '\r', '\r\n', '\f', '\v', '\u00a0', '\u2003', '\u202f', '\u3000', '\u00ad', '\ue000', '\ue001',
		'<', '<p>', '</p>', '<br/>', '<div>', '<td>', '<b>', '<img alt="fox">', '<!-- c -->', '<!--', '-->', '<script>x</script>', '<style>', '</style>',
		'<scripts>', '<![CDATA[', ']]>', '<!doctype html>', '<?xml?>', '&amp;', '&shy;', '&nbsp;', '&', ';', '.', '!', '?',
	];
	const generate = (next: () => number, length: number): string => Array.from({ length }, () => pieces[Math.floor(next() * pieces.length)]!).join('');

	it('gives the same text on 20,000 generated inputs, with and without Markdown', () => {
		const next = seededRandom(9);
		for (let i = 0; i < 20_000; i++) {
			const input = generate(next, 1 + Math.floor(next() * 40));
			expect(htmlToText(input), JSON.stringify(input)).toBe(referenceHtmlToText(input));
			expect(htmlToText(input, { markdown: false }), JSON.stringify(input)).toBe(referenceHtmlToText(input, { markdown: false }));
		}
	});

	it('gives the same text on prose, Markdown and WYSIWYG documents', () => {
		const prose = 'The quick brown fox jumps over the lazy dog. It was a well-known fact - or so they said - that dogs sleep.\n\nA second paragraph, with  two spaces and a tab\there.';
		const documents = [
			prose,
			prose.repeat(20),
			`# Title\n\n${prose}\n\n- one\n- two\n\n> quote\n\n\`\`\`\ncode\n\`\`\`\n\n***\n\nSee [the docs](https://x.test) and ![a fox](f.png), *em* _em_ **strong** __strong__ ~~gone~~ \`code\`.\n[ref]: https://x.test "t"`,
			`<h1>Title</h1><p>${prose}</p><ul><li>one</li><li>two</li></ul><table><tr><td>a</td><td>b</td></tr></table><p>x&nbsp;&mdash;&nbsp;y</p>`,
			'line one\r\nline two\rline three \n line four\n\n\n\nline five\u00a0\u2009end',
		];
		for (const input of documents) {
			expect(htmlToText(input)).toBe(referenceHtmlToText(input));
			expect(htmlToText(input, { markdown: false })).toBe(referenceHtmlToText(input, { markdown: false }));
		}
	});
});
