/** What a `.vue` import resolves to in unit tests (see vitest.config.ts). */
export default {};
