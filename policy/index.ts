// The todo-platform policy pack: `pulumi preview --policy-pack policy` (from the repo root).
// Constructing the pack starts Pulumi's policy server, so this file only wires; the policies and
// their tests live beside it.
import { PolicyPack } from "@pulumi/policy";

import { policies } from "./policies";

new PolicyPack("todo-platform-constitution", { policies });
