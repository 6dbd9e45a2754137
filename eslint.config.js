// @ts-check
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["dist/", "node_modules/", ".nats-server/", "data/", "eslint.config.js"] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-misused-promises": "error",
      "@typescript-eslint/switch-exhaustiveness-check": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      // Small files and small functions, as Castore keeps them: a file that outgrows this is a folder to open.
      "max-lines": ["error", { max: 300, skipBlankLines: true, skipComments: true }],
      complexity: ["error", { max: 20, variant: "modified" }],
    },
  },
  {
    files: ["scripts/**/*.mjs", "test/fixtures/**/*.mjs"],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    // The web page's scripts: plain ES modules run by the browser as they are (no build step).
    files: ["src/ui/page/**/*.js"],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      ...tseslint.configs.disableTypeChecked.languageOptions,
      sourceType: "module",
      globals: {
        document: "readonly",
        location: "readonly",
        fetch: "readonly",
        crypto: "readonly",
        TextEncoder: "readonly",
        FormData: "readonly",
        URL: "readonly",
      },
    },
  },
);
