import js from '@eslint/js';
import vue from 'eslint-plugin-vue';
import tseslint from 'typescript-eslint';

export default tseslint.config(
	{ ignores: ['**/node_modules/**', '**/dist/**', 'test/.tmp/**', 'data/**', '.bench/**'] },
	js.configs.recommended,
	...tseslint.configs.recommended,
	...vue.configs['flat/recommended'],
	{
		files: ['**/*.vue', 'extensions/ml-suite/src/app/**/*.ts'],
		languageOptions: {
			parserOptions: { parser: tseslint.parser },
			globals: { window: 'readonly', document: 'readonly', localStorage: 'readonly', ReadableStream: 'readonly', Response: 'readonly', HTMLElement: 'readonly', getComputedStyle: 'readonly', performance: 'readonly', File: 'readonly', FormData: 'readonly', Event: 'readonly', HTMLInputElement: 'readonly' },
		},
	},
	{
		languageOptions: {
			globals: {
				process: 'readonly',
				console: 'readonly',
				setTimeout: 'readonly',
				clearTimeout: 'readonly',
				setInterval: 'readonly',
				clearInterval: 'readonly',
				URL: 'readonly',
				fetch: 'readonly',
				AbortController: 'readonly',
				TextDecoder: 'readonly',
				TextEncoder: 'readonly',
				Buffer: 'readonly',
			},
		},
		rules: {
			'@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
			'@typescript-eslint/no-explicit-any': 'error',
			'vue/multi-word-component-names': 'off',
			'vue/html-indent': ['error', 'tab'],
			'vue/max-attributes-per-line': 'off',
			'vue/singleline-html-element-content-newline': 'off',
			'vue/html-self-closing': 'off',
			'vue/html-quotes': 'off',
		},
	},
	{
		// Layering: core/ is the domain (no Directus, no HTTP, no UI); shared/ holds wire types used by
		// both sides and imports nothing from core/, api/ or app/ (core imports its wire types from shared/).
		files: ['extensions/ml-suite/src/core/**/*.ts'],
		rules: {
			'no-restricted-imports': [
				'error',
				{
					patterns: [
						{ group: ['**/api/*', '**/api/**', '**/app/*', '**/app/**'], message: 'core/ must not import the api or app layers.' },
						{ group: ['@directus/*', 'directus', 'express', 'vue'], message: 'core/ must not depend on Directus, express or Vue; take what it needs as an interface.' },
					],
				},
			],
		},
	},
	{
		files: ['extensions/ml-suite/src/shared/**/*.ts'],
		rules: {
			'no-restricted-imports': [
				'error',
				{
					patterns: [
						{ group: ['**/api/*', '**/api/**', '**/app/*', '**/app/**'], message: 'shared/ must not import the api or app layers.' },
						{ group: ['**/core/*', '**/core/**'], message: 'shared/ holds the wire types; core/ imports them from here, never the other way round.' },
						{ group: ['@directus/*', 'directus', 'express', 'vue'], message: 'shared/ is type-only wire contracts; it depends on no framework.' },
					],
				},
			],
		},
	},
	{
		// Tests talk to untyped HTTP JSON; `any` there is the honest type.
		files: ['test/**/*.ts', '**/*.test.ts', 'bench/**/*.ts'],
		rules: { '@typescript-eslint/no-explicit-any': 'off' },
	},
);
