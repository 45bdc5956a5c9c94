// Lets a plain Node 22 child process import the project's TypeScript sources: relative `.js`
// specifiers that have a `.ts` sibling resolve to it, and Node's own type transform
// (--experimental-transform-types, which handles parameter properties) compiles them.
import { existsSync } from 'node:fs';
import { registerHooks } from 'node:module';
import { fileURLToPath } from 'node:url';

registerHooks({
	resolve(specifier, context, nextResolve) {
		if ((specifier.startsWith('.') || specifier.startsWith('/')) && specifier.endsWith('.js') && context.parentURL?.startsWith('file:')) {
			const candidate = new URL(specifier.replace(/\.js$/, '.ts'), context.parentURL);
			if (existsSync(fileURLToPath(candidate)) && !existsSync(fileURLToPath(new URL(specifier, context.parentURL)))) {
				return nextResolve(candidate.href, context);
			}
		}
		return nextResolve(specifier, context);
	},
});
