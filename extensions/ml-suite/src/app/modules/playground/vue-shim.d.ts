// Lets tsc accept `.vue` imports; the extension build (Vite) compiles the SFCs.
declare module '*.vue' {
	import type { DefineComponent } from 'vue';
	const component: DefineComponent<object, object, unknown>;
	export default component;
}
