import { describe, expect, it, vi } from 'vitest';
import { keepMenuOpen } from './keep-menu-open.js';

/** A click whose target lies inside an element matching `inside` (or, when null, inside none). */
function clickIn(inside: string | null) {
	const target = { closest: (selector: string) => (selector === inside ? {} : null) } as unknown as EventTarget;
	return { target, preventDefault: vi.fn() };
}

describe('keepMenuOpen', () => {
	it("cancels the label's activation when the click was on the dropdown's activator", () => {
		const click = clickIn('.v-menu-activator');
		keepMenuOpen(click);
		expect(click.preventDefault).toHaveBeenCalledOnce();
	});

	it("lets a click on the label's own text through, so that it opens the dropdown", () => {
		const click = clickIn(null);
		keepMenuOpen(click);
		expect(click.preventDefault).not.toHaveBeenCalled();
	});

	it('lets a click without an element target through', () => {
		for (const target of [null, {} as EventTarget]) {
			const click = { target, preventDefault: vi.fn() };
			keepMenuOpen(click);
			expect(click.preventDefault).not.toHaveBeenCalled();
		}
	});
});
