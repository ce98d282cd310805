import type { Rule } from 'eslint';

/** ESLint rule mooring/module-boundaries (module-boundaries.js). */
export declare const moduleBoundaries: Rule.RuleModule;
