import { describe, expect, it } from 'vitest';
import { InvalidPayloadError } from '../errors.js';
import { renderTemplate, templateVariables } from './render-template.js';

describe('renderTemplate', () => {
	it('fills flat and nested placeholders, with or without spaces', () => {
		const out = renderTemplate('Hi {{ name }}, you own {{item.title}} by {{item.author.name}}.', {
			name: 'Ada',
			item: { title: 'Notes', author: { name: 'Babbage' } },
		});
		expect(out).toBe('Hi Ada, you own Notes by Babbage.');
	});

	it('indexes arrays by path segment and stringifies non-strings', () => {
		const when = new Date('2024-01-02T03:04:05.000Z');
		const out = renderTemplate('{{tags.1}}|{{count}}|{{ok}}|{{none}}|{{when}}|{{meta}}', {
			tags: ['a', 'b'],
			count: 3,
			ok: false,
			none: null,
			when,
			meta: { x: 1 },
		});
		expect(out).toBe('b|3|false||2024-01-02T03:04:05.000Z|{"x":1}');
	});

	it('names every missing variable in one InvalidPayloadError', () => {
		let caught: unknown;
		try {
			renderTemplate('{{a}} {{b.c}} {{a}} {{present}}', { present: 1, b: {} });
		} catch (error) {
			caught = error;
		}
		expect(caught).toBeInstanceOf(InvalidPayloadError);
		const error = caught as InvalidPayloadError;
		expect(error.message).toContain('"a"');
		expect(error.message).toContain('"b.c"');
		expect(error.details).toEqual({ missing: ['a', 'b.c'] });
	});

	it('does not reach inherited properties or evaluate expressions', () => {
		expect(() => renderTemplate('{{constructor}}', {})).toThrow(InvalidPayloadError);
		expect(() => renderTemplate('{{x.__proto__}}', { x: {} })).toThrow(InvalidPayloadError);
		// Not a valid placeholder: left untouched rather than evaluated.
		expect(renderTemplate('{{ 1 + 1 }} {{a()}}', {})).toBe('{{ 1 + 1 }} {{a()}}');
	});

	it('does not expand placeholders that arrive inside values', () => {
		expect(renderTemplate('Q: {{q}}', { q: '{{secret}}', secret: 'leak' })).toBe('Q: {{secret}}');
	});
});

describe('templateVariables', () => {
	it('lists paths once in first-use order', () => {
		expect(templateVariables('{{b}} {{ a.x }} {{b}} {{bad one}}')).toEqual(['b', 'a.x']);
	});
});
