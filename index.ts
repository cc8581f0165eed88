// Table of contents of the program: read config, build components, export outputs.
export {};
