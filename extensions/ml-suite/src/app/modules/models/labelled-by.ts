import type { Directive } from 'vue';

/**
 * `v-labelled-by="'label-id'"` on a Directus `v-select`: the component puts `id` and `aria-*`
 * attributes on its wrapper, so its `<input>` has no accessible name (axe: "Form elements must
 * have labels"). This labels the input by the element with that id, after every render.
 */
export const vLabelledBy: Directive<HTMLElement, string> = {
	mounted: label,
	updated: label,
};

function label(el: HTMLElement, binding: { value: string }): void {
	for (const input of el.querySelectorAll('input')) if (input.getAttribute('aria-labelledby') !== binding.value) input.setAttribute('aria-labelledby', binding.value);
}

/**
 * `v-button-label="text"` on a Directus icon-only `v-button`: the component puts `aria-label` on
 * its wrapper, not on its `<button>`, and hides any text beside the icon, so the button has no
 * accessible name. This names the inner button.
 */
export const vButtonLabel: Directive<HTMLElement, string> = {
	mounted: name,
	updated: name,
};

function name(el: HTMLElement, binding: { value: string }): void {
	const button = el.tagName === 'BUTTON' ? el : el.querySelector('button');
	if (button && button.getAttribute('aria-label') !== binding.value) button.setAttribute('aria-label', binding.value);
}
