// Flat ESLint config: typescript-eslint's recommended rules over every TypeScript source.
import js from "@eslint/js";
import tseslint from "typescript-eslint";
import globals from "globals";

export default tseslint.config(
  { ignores: ["dist/**", "node_modules/**", ".node-red/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ["**/*.ts"],
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "no-console": "off",
      // A variable that closures read before its one assignment must stay `let`.
      "prefer-const": ["error", { ignoreReadBeforeAssign: true }],
      // `import x = require()` is how TypeScript imports the CommonJS node modules (`export =`).
      "@typescript-eslint/no-require-imports": ["error", { allowAsImport: true }],
    },
  },
  {
    // Node-RED calls node constructors with `this` as the node; closures need it by name.
    files: ["nodes/**/*.ts"],
    rules: { "@typescript-eslint/no-this-alias": "off" },
  },
  {
    files: ["**/*.mjs", "**/*.cjs"],
    languageOptions: { globals: { ...globals.node } },
  },
  {
    // The phone page's script runs in the browser (the standalone page and the editor sidebar).
    files: ["simulator/phone/*.js"],
    languageOptions: { sourceType: "script", globals: { ...globals.browser } },
  },
  {
    files: ["**/*.cjs"],
    rules: { "@typescript-eslint/no-require-imports": "off" },
  },
  {
    files: ["test/**/*.ts"],
    rules: {
      // mocha's describe.only / it.only must never land.
      "no-restricted-properties": [
        "error",
        { object: "describe", property: "only" },
        { object: "it", property: "only" },
        { object: "describe", property: "skip" },
        { object: "it", property: "skip" },
      ],
    },
  },
);
