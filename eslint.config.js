// @ts-check
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["dist/**", "node_modules/**", "coverage/**", "bench-results.json"] },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      "@typescript-eslint/restrict-template-expressions": ["error", { allowNumber: true, allowBoolean: true }],
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/no-extraneous-class": "off",
      "no-console": ["error", { allow: ["warn", "error"] }],
    },
  },
  {
    // The console (a browser bundle, excluded from the root project) is checked against its own
    // tsconfig (DOM, JSX for Preact); its Vite config against a node one.
    files: ["src/console/**/*.ts", "src/console/**/*.tsx"],
    languageOptions: {
      parserOptions: {
        projectService: false,
        project: ["./src/console/tsconfig.json", "./src/console/tsconfig.node.json"],
        tsconfigRootDir: import.meta.dirname,
      },
    },
  },
  {
    files: ["test/**/*.ts", "src/local/**/*.ts"],
    rules: { "no-console": "off", "@typescript-eslint/no-non-null-assertion": "off" },
  },
  { files: ["eslint.config.js", "scripts/**/*.mjs", "test/**/*.mjs"], ...tseslint.configs.disableTypeChecked },
  { files: ["scripts/**/*.mjs", "test/**/*.mjs"], languageOptions: { globals: { process: "readonly", console: "readonly", URL: "readonly" } }, rules: { "no-console": "off" } },
);
