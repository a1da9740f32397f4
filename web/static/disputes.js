// The discussion page's wording of a dispute (DOMAIN.md rule 3), kept apart from its DOM.

// A dispute as each side reads it: waiting for a moderator, then the outcome; "" if none.
export function disputeText(v, me, mineDone) {
  const d = v.dispute;
  if (!d) return "";
  const mine = d.by === me;
  if (v.state === "disputed") {
    return mine ? "You said your partner did not take part. You are back in the queue for a new " +
        "partner, keeping your deadline; a moderator will read this discussion and decide."
      : "Your partner said you did not take part. A moderator will read the discussion and decide " +
        "whether you still earn the interactive point" + (mineDone ? "." : "; you can still validate it.");
  }
  const decision = d.decision;
  const why = decision && decision.reason ? ` The moderator's reason: ${decision.reason}` : "";
  if (decision && decision.award) {
    return (mine ? "A moderator decided your partner took part: they earn the interactive point. " +
      "You stay in the queue for a new partner." : "A moderator decided you took part: your " +
      "interactive CET is complete.") + why;
  }
  if (decision) {
    return (mine ? "A moderator decided this discussion earns no interactive point; you stay in " +
      "the queue for a new partner." : "A moderator decided this discussion earns no interactive " +
      "point: you are back in the queue for a new partner while your deadline allows.") + why;
  }
  if (v.closed_reason === "dispute_expired") return "The deadline passed before a moderator decided.";
  if (v.closed_reason === "disputed_by_both") return "You each said the other did not take part: " +
    "you are both back in the queue for a new partner.";
  return "";
}
