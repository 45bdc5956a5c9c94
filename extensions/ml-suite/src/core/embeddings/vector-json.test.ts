import { describe, expect, it } from 'vitest';
import { float32Text, vectorJson, vectorJsonBytes } from './vector-json.js';

describe('vectorJson', () => {
	it('writes every float32 so that it reads back as the same float32', () => {
		const bits = new Uint32Array(1);
		const float = new Float32Array(bits.buffer);
		const values: number[] = [];
		// Every exponent (subnormals to the largest), both signs, random mantissas.
		for (let exponent = 0; exponent < 255; exponent++) {
			for (let k = 0; k < 40; k++) {
				bits[0] = ((k % 2) << 31) | (exponent << 23) | Math.floor(Math.random() * 2 ** 23);
				values.push(float[0]!);
			}
		}
		const back = JSON.parse(vectorJson(values)) as number[];
		expect(back).toHaveLength(values.length);
		const wrong = values.filter((x, i) => Math.fround(back[i]!) !== x);
		expect(wrong).toEqual([]);
	});

	it('writes plain JSON numbers of at most 9 significant digits, null for non-finite values as JSON.stringify does', () => {
		const cases: [number, string][] = [
			[0, '0'],
			[-0, '0'],
			[1, '1'],
			[-2.5, '-2.5'],
			[Math.fround(0.1), '0.100000001'],
			[Math.fround(-0.0123456789), '-0.0123456791'],
			[1e9, '1000000000'],
			[Math.fround(3.4e38), '3.39999995e+38'],
			[Math.fround(1e-7), '0.000000100000001'],
			[Math.fround(1e-8), '9.99999994e-9'],
			[Math.fround(1.401298464324817e-45), '1.40129846e-45'],
		];
		for (const [x, text] of cases) expect(float32Text(x), String(x)).toBe(text);
		expect(vectorJson([])).toBe('[]');
		expect(vectorJsonBytes([0.5, -1]).toString()).toBe('[0.5,-1]');
		expect(vectorJson([1, Number.NaN, Number.POSITIVE_INFINITY, -0.5])).toBe('[1,null,null,-0.5]');
		expect(JSON.parse(vectorJson(new Float32Array([0.25, -1, 3])))).toEqual([0.25, -1, 3]);
	});
});
