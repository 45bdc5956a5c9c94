// The implementation of htmlToText before its steps were made conditional (commit 7030407), kept
// verbatim as the reference its output must equal: stored chunks and content hashes depend on it.
import { decodeHTMLStrict } from 'entities/decode';

interface HtmlToTextOptions {
	/**
	 * Also strip Markdown syntax (headings, emphasis, links, images, code fences, block quotes),
	 * as stored by Directus's Markdown interface. List markers are kept. Default: true.
	 */
	markdown?: boolean;
}

/** Private-use markers for breaks produced by elements, resolved once all tags are gone. */
const LINE_MARK = '\ue000';
const PARAGRAPH_MARK = '\ue001';

/** Elements whose content is never readable text. */
const DROPPED_ELEMENTS = ['script', 'style', 'noscript', 'template', 'head', 'svg', 'math', 'iframe', 'object'];

/** Elements that start a new paragraph. Tag patterns exclude `<` inside a tag so they stay linear. */
const PARAGRAPH_TAGS = new Set(['p', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'blockquote', 'pre', 'table', 'ul', 'ol', 'dl', 'figure', 'hr', 'section', 'article', 'header', 'footer', 'aside', 'nav', 'main', 'details', 'address']);

/** Elements that start a new line. */
const LINE_TAGS = new Set(['br', 'div', 'li', 'tr', 'dt', 'dd', 'figcaption', 'caption', 'summary', 'tbody', 'thead', 'tfoot', 'option']);

/** Table cells: a separator between cells on the same line. */
const CELL_TAGS = new Set(['td', 'th']);

/**
 * Turns HTML (including WYSIWYG output from Directus) into readable plain text: drops scripts,
 * styles and comments, turns block elements into line and paragraph breaks, keeps link and
 * image text (`alt`), decodes entities, collapses whitespace, and keeps at most one blank line
 * between paragraphs. Optionally strips Markdown syntax too. Plain text passes through with
 * only whitespace normalised. Linear in the input size (no backtracking patterns).
 */
export function referenceHtmlToText(input: string, options: HtmlToTextOptions = {}): string {
	let text = dropComments(input);
	for (const element of DROPPED_ELEMENTS) text = dropElement(text, element);
	text = text.replace(/<img\b[^<>]*?\balt\s*=\s*(?:"([^"<>]*)"|'([^'<>]*)')[^<>]*>/gi, (_m, a?: string, b?: string) => ` ${a ?? b ?? ''} `);
	let sawBlock = false;
	text = text.replace(/<\/?([a-zA-Z][a-zA-Z0-9-]*)\b[^<>]*>/g, (_m, name: string) => {
		const tag = name.toLowerCase();
		if (PARAGRAPH_TAGS.has(tag)) {
			sawBlock = true;
			return PARAGRAPH_MARK;
		}
		if (LINE_TAGS.has(tag)) {
			sawBlock = true;
			return LINE_MARK;
		}
		if (CELL_TAGS.has(tag)) return ' ';
		return '';
	});
	// In HTML, source line breaks are just spaces; only elements break lines.
	if (sawBlock) text = text.replace(/[\r\n]+/g, ' ');
	text = text.replace(/[ \t]*[\ue000\ue001][\s\ue000\ue001]*/g, (run) => (run.includes(PARAGRAPH_MARK) ? '\n\n' : '\n'));
	text = text.replace(/<!\[CDATA\[|\]\]>|<![^<>]*>|<\?[^<>]*>/g, '');
	text = decodeEntities(text);
	if (options.markdown ?? true) text = stripMarkdown(text);
	return normaliseWhitespace(text);
}

/**
 * Decodes HTML character references: every named entity of the HTML spec, decimal and hex
 * references (invalid code points become U+FFFD). A reference needs its semicolon, so text such
 * as `AT&T` or `&copy` stays as written. Soft hyphens (written or as `&shy;`) are dropped: they
 * are invisible and would split words for search.
 */
function decodeEntities(text: string): string {
	return (text.includes('&') ? decodeHTMLStrict(text) : text).replace(/\u00ad/g, '');
}

function dropComments(text: string): string {
	let out = '';
	let from = 0;
	for (;;) {
		const open = text.indexOf('<!--', from);
		if (open < 0) return out + text.slice(from);
		out += text.slice(from, open);
		const close = text.indexOf('-->', open + 4);
		// An unclosed comment hides the rest of the document in a browser too.
		if (close < 0) return out;
		from = close + 3;
	}
}

/** Removes `<name ...>...</name>`; an unclosed one drops everything after it, as a browser would hide it. */
function dropElement(text: string, name: string): string {
	const lower = text.toLowerCase();
	const openTag = `<${name}`;
	const closeTag = `</${name}`;
	let out = '';
	let from = 0;
	for (;;) {
		let open = lower.indexOf(openTag, from);
		while (open >= 0 && /[a-z0-9-]/.test(lower.charAt(open + openTag.length))) open = lower.indexOf(openTag, open + 1);
		if (open < 0) return out + text.slice(from);
		out += text.slice(from, open) + ' ';
		const close = lower.indexOf(closeTag, open + openTag.length);
		if (close < 0) return out;
		const closeEnd = lower.indexOf('>', close);
		if (closeEnd < 0) return out;
		from = closeEnd + 1;
	}
}

function stripMarkdown(text: string): string {
	return (
		text
			// Code fences: keep the code, drop the fence lines.
			.replace(/^[ \t]*(```|~~~)[^\n]*$/gm, '')
			.replace(/!\[([^[\]\n]*)\]\([^()\n]*\)/g, '$1')
			.replace(/\[([^[\]\n]+)\]\([^()\n]*\)/g, '$1')
			// Reference-style link definitions.
			.replace(/^[ \t]*\[[^\]\n]+\]:[ \t]*\S+[^\n]*$/gm, '')
			.replace(/^[ \t]{0,3}#{1,6}[ \t]+/gm, '')
			.replace(/^[ \t]{0,3}(?:>[ \t]?)+/gm, '')
			.replace(/^[ \t]{0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$/gm, '')
			// Strong and strikethrough markers are dropped wherever they are: a pairing regex can go quadratic on long lines.
			.replace(/\*\*|__|~~/g, '')
			.replace(/(^|[^\w*])\*(?=\S)([^*\n]*?\S)\*(?!\w)/g, '$1$2')
			.replace(/(^|[^\w])_(?=\S)([^_\n]*?\S)_(?!\w)/g, '$1$2')
			.replace(/`([^`\n]+)`/g, '$1')
	);
}

function normaliseWhitespace(text: string): string {
	return text
		.replace(/\r\n?/g, '\n')
		.replace(/[ \t\f\v\u00a0\u2000-\u200a\u202f\u205f\u3000]+/g, ' ')
		.replace(/ ?\n ?/g, '\n')
		.replace(/\n{3,}/g, '\n\n')
		.trim();
}
