// ESLint: typescript-eslint's recommended rules with type information, plus Pulumi's rules
// against Outputs inside template literals (use pulumi.interpolate instead).
import pulumi from "@pulumi/eslint-plugin";
import tseslint from "typescript-eslint";

export default tseslint.config(
    { ignores: ["node_modules/", "bin/", ".cache/", "**/*.js", "**/*.mjs"] },
    ...tseslint.configs.recommended,
    {
        languageOptions: {
            parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
        },
        plugins: { pulumi },
        rules: {
            "pulumi/no-output-in-template-literal": "error",
            "pulumi/no-output-instance-in-template-literal": "error",
            "@typescript-eslint/no-explicit-any": "warn",
            "@typescript-eslint/no-floating-promises": "error",
        },
    },
    {
        // Tests and policies read resource properties as the engine hands them: untyped JSON
        // (the policy SDK itself types them Record<string, any>).
        files: ["test/**/*.ts", "policies/**/*.ts"],
        rules: { "@typescript-eslint/no-explicit-any": "off" },
    },
);
