// Renders the IAM model's report: per identity and resource, what is required, granted, missing
// and granted beyond need.
import type { AccessReport, IdentityReport } from "./iam";

function scopesOf(i: IdentityReport): string[] {
    return [
        ...new Set([...i.required.map((r) => r.scope), ...i.granted.map((g) => g.scope)]),
    ].sort();
}

function renderIdentity(i: IdentityReport): string[] {
    const lines = [`${i.id} — ${i.label}`];
    if (i.members.length === 0) {
        lines.push("    no members configured: nothing to check", "");
        return lines;
    }
    for (const m of i.members) lines.push(`    member ${m}`);
    for (const s of scopesOf(i)) {
        const required = i.required.filter((r) => r.scope === s);
        const granted = i.granted.filter((g) => g.scope === s);
        const missing = i.missing.filter((m) => m.scope === s);
        const excess = i.excess.filter((e) => e.endsWith(` on ${s}`)).length;
        lines.push(`  ${s}`);
        if (required.length > 0) {
            const actions = [...new Set(required.map((r) => r.action))];
            lines.push(
                `    required  ${required.length} permission(s) to ${actions.slice(0, 3).join("; ")}` +
                    (actions.length > 3 ? `; and ${actions.length - 3} more actions` : ""),
            );
        }
        if (granted.length > 0)
            lines.push(`    granted   ${granted.map((g) => `${g.role} (${g.origin})`).join(", ")}`);
        else if (required.length > 0) lines.push("    granted   nothing here (covered from above)");
        lines.push(
            `    missing   ${missing.length === 0 ? "none" : missing.map((m) => m.permission).join(", ")}`,
        );
        if (excess > 0) lines.push(`    excess    ${excess} permission(s) granted beyond need`);
    }
    lines.push("");
    return lines;
}

export function renderAccess(report: AccessReport): string {
    const lines = [
        `IAM of stack ${report.stack}: required (data/iam-actions.ts) against granted (the plan's grants, ` +
            `roles expanded with data/gcp-iam-roles.json)`,
        "",
        ...report.identities.flatMap(renderIdentity),
        "Summary (permissions):",
        `  ${"identity".padEnd(18)} ${"required".padStart(8)} ${"missing".padStart(8)} ${"excess".padStart(8)}`,
        ...report.identities.map(
            (i) =>
                `  ${i.id.padEnd(18)} ${String(i.required.length).padStart(8)} ` +
                `${String(i.missing.length).padStart(8)} ${String(i.excess.length).padStart(8)}`,
        ),
    ];
    if (report.others.length > 0)
        lines.push(
            "",
            "Grants to principals outside the model (callers and readers named in config):",
            ...report.others.map((g) => `  ${g.member}  ${g.role}  on ${g.scope}  (${g.origin})`),
        );
    if (report.conditional.length > 0)
        lines.push(
            "",
            "Conditional grants (not counted: their condition may not hold when needed):",
            ...report.conditional.map(
                (g) => `  ${g.member}  ${g.role}  on ${g.scope}  (${g.origin})`,
            ),
        );
    if (report.unexpandedRoles.length > 0)
        lines.push(
            "",
            "Roles not in data/gcp-iam-roles.json (custom roles; counted as granting nothing):",
            ...report.unexpandedRoles.map((r) => `  ${r}`),
        );
    const missing = report.identities.flatMap((i) =>
        i.missing.map(
            (m) =>
                `  ${i.id}: missing ${m.permission} on ${m.scope}, needed to ${m.action}` +
                `${i.members.length > 1 ? ` (member ${m.member})` : ""}\n      source: ${m.source}`,
        ),
    );
    if (missing.length > 0) lines.push("", "Missing permissions:", ...missing);
    if (report.problems.length > 0)
        lines.push("", "Problems:", ...report.problems.map((p) => `  ${p}`));
    lines.push(
        "",
        missing.length + report.problems.length === 0
            ? "Every identity has what it needs."
            : `${missing.length} missing permission(s), ${report.problems.length} problem(s).`,
        "Excess counts permissions of the services in data/gcp-iam-roles.json only; --json lists them.",
    );
    return lines.join("\n");
}
