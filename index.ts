// Entry point for the Pulumi CLI: the stack's outputs are the platform's outputs.
import { program } from "./stacks/program";

export = program();
