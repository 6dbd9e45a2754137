import { labelMoved, type LabelMoved } from "./events.js";
import { AWSCURRENT, AWSPREVIOUS, type Millis, type StagingLabel, type VersionId } from "./types.js";

// How staging labels move between a secret's versions while a command is decided: a working copy of the label
// map, and the LabelMoved events that record each move.

/** Which version holds each label, as a command moves them. */
export type Labels = Map<StagingLabel, VersionId>;

/** Puts `label` on `to` (or detaches it), updating the working map; nothing when it is already there. */
export const attach = (labels: Labels, label: StagingLabel, to: VersionId | undefined, at: Millis): LabelMoved[] => {
  const from = labels.get(label);
  if (from === to) return [];
  if (to === undefined) labels.delete(label);
  else labels.set(label, to);
  return [labelMoved(label, from, to, at)];
};

/**
 * Moves a label to `to`. When AWSCURRENT leaves a version, that version receives AWSPREVIOUS (taken from its
 * former holder), unless the same command places AWSPREVIOUS itself.
 */
export const moveLabel = (
  labels: Labels,
  label: StagingLabel,
  to: VersionId,
  placedByCommand: ReadonlySet<StagingLabel>,
  at: Millis,
): LabelMoved[] => {
  const from = labels.get(label);
  const moves = attach(labels, label, to, at);
  if (label === AWSCURRENT && from !== undefined && from !== to && !placedByCommand.has(AWSPREVIOUS))
    moves.push(...attach(labels, AWSPREVIOUS, from, at));
  return moves;
};
