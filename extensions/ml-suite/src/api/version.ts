import manifest from '../../package.json' with { type: 'json' };

/** The suite's version, from the bundle's package.json. */
export const SUITE_VERSION: string = manifest.version;
