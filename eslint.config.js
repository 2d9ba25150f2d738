// @ts-check
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  {
    ignores: [
      "**/dist/**",
      "**/node_modules/**",
      "**/coverage/**",
      "bench/vendor/**",
      "docs/api/**",
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        console: "readonly",
        process: "readonly",
        setTimeout: "readonly",
        clearTimeout: "readonly",
        setImmediate: "readonly",
        queueMicrotask: "readonly",
        performance: "readonly",
        AbortController: "readonly",
        AbortSignal: "readonly",
        globalThis: "readonly",
      },
    },
    rules: {
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none" },
      ],
      "@typescript-eslint/consistent-type-imports": "error",
      // Generators that never yield are legitimate operations (a cache hit
      // that returns at once); the rule would flag every one of them.
      "require-yield": "off",
      "no-constant-condition": ["error", { checkLoops: false }],
      eqeqeq: ["error", "always", { null: "ignore" }],
    },
  },
  {
    files: ["packages/core/src/**/*.ts"],
    rules: {
      // The core must run in browsers: no Node-only modules.
      "no-restricted-imports": [
        "error",
        { patterns: [{ group: ["node:*"], message: "@copse/core must not use Node-only APIs." }] },
      ],
    },
  },
);
