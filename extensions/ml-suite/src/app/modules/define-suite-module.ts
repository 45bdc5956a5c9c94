import { defineModule } from '@directus/extensions-sdk';
import type { ModuleConfig } from '@directus/types';
import type { Component } from 'vue';
import { moduleName } from '../i18n/module-name.js';
import type { SuiteMessages } from '../i18n/messages.js';

/** The suite's modules, by the key of their messages in the catalogue; a module's id is `ml-<key>`. */
type SuiteModuleKey = 'evaluation' | 'models' | 'playground' | 'queue' | 'usage';

/**
 * One of the suite's modules, `ml-<key>`: its name is the catalogue's `<key>.title`, translated like
 * Directus's own module names (a getter re-read on every change of the app language); a module of
 * one screen gives its `view`, one of several its `routes`. An admin-only module is registered
 * only for administrators (its `/ml` routes answer nobody else).
 */
export function defineSuiteModule(
	key: SuiteModuleKey,
	config: { icon: string; adminOnly: boolean } & ({ view: Component } | { routes: ModuleConfig['routes'] }),
): ModuleConfig {
	return defineModule({
		id: `ml-${key}`,
		get name() {
			return moduleName((messages: SuiteMessages) => messages[key].title);
		},
		icon: config.icon,
		routes: 'view' in config ? [{ path: '', component: config.view }] : config.routes,
		...(config.adminOnly ? { preRegisterCheck: ((user) => user.admin_access === true) satisfies ModuleConfig['preRegisterCheck'] } : {}),
	});
}
