/**
 * Click handler for a `<label>` that wraps a Directus `v-select`: `<label @click="keepMenuOpen">`.
 *
 * A click on the dropdown opens its menu, then bubbles to the label, whose activation clicks the
 * dropdown's input once more and so closes the menu again at once. When the dropdown itself was
 * clicked, the label's activation is cancelled; a click on the label's text still opens the menu.
 * The label stays around the dropdown because that is what names its input (`v-select` does not
 * pass `id` or `aria-*` on to its input).
 */
export function keepMenuOpen(event: Pick<Event, 'target' | 'preventDefault'>): void {
	const target = event.target as { closest?: (selector: string) => unknown } | null;
	// Any element may be the target (an icon is SVG): `closest` is on every Element, not on Text.
	if (target?.closest?.('.v-menu-activator')) event.preventDefault();
}
