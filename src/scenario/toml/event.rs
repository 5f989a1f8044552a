//! `[[event]]` tables → [`Event`]s: the action name, the fields each action
//! takes (no more, no fewer), and node names that exist.

use super::raw::RawEvent;
use super::values::{duration, socket, Src};
use super::LoadError;
use crate::scenario::model::{Action, Event};
use ::toml::Spanned;
use std::ops::Range;

/// Every action name and the fields it takes besides `at` and `action`.
pub const ACTIONS: &[(&str, &[&str])] = &[
    ("start", &["node"]),
    ("stop", &["node"]),
    ("crash", &["node"]),
    ("link_down", &["node"]),
    ("link_up", &["node"]),
    ("block_vrrp", &["node"]),
    ("unblock_vrrp", &["node"]),
    ("script_fail", &["node", "script"]),
    ("script_ok", &["node", "script"]),
    ("set_priority", &["node", "priority"]),
    ("partition", &["groups"]),
    ("heal", &[]),
    ("check_fail", &["node", "real_server"]),
    ("check_ok", &["node", "real_server"]),
];

pub fn event(e: Spanned<RawEvent>, names: &[&str], src: &Src) -> Result<Event, LoadError> {
    let span = e.span();
    let e = e.into_inner();
    let at_us = duration(&e.at, src)?;
    let action = e.action.get_ref().as_str();
    let Some((_, takes)) = ACTIONS.iter().find(|(name, _)| *name == action) else {
        let valid: Vec<&str> = ACTIONS.iter().map(|(n, _)| *n).collect();
        return Err(src.err(
            e.action.span(),
            format!(
                "unknown action '{action}'; valid actions: {}",
                valid.join(", ")
            ),
        ));
    };
    let given: [(&str, Option<Range<usize>>); 5] = [
        ("node", e.node.as_ref().map(Spanned::span)),
        ("script", e.script.as_ref().map(Spanned::span)),
        ("priority", e.priority.as_ref().map(Spanned::span)),
        ("groups", e.groups.as_ref().map(Spanned::span)),
        ("real_server", e.real_server.as_ref().map(Spanned::span)),
    ];
    for (field, at) in &given {
        match at {
            Some(at) if !takes.contains(field) => {
                return Err(src.err(
                    at.clone(),
                    format!("action '{action}' does not take '{field}'"),
                ))
            }
            None if takes.contains(field) => {
                return Err(src.err(span.clone(), format!("action '{action}' needs '{field}'")))
            }
            _ => {}
        }
    }
    let node = || -> Result<String, LoadError> {
        let n = e.node.as_ref().expect("checked: the action takes 'node'");
        known_node(n, names, src)
    };
    let text =
        |s: &Option<Spanned<String>>| s.as_ref().map(|s| s.get_ref().clone()).unwrap_or_default();
    let action = match action {
        "start" => Action::Start { node: node()? },
        "stop" => Action::Stop { node: node()? },
        "crash" => Action::Crash { node: node()? },
        "link_down" => Action::LinkDown { node: node()? },
        "link_up" => Action::LinkUp { node: node()? },
        "block_vrrp" => Action::BlockVrrp { node: node()? },
        "unblock_vrrp" => Action::UnblockVrrp { node: node()? },
        "script_fail" => Action::ScriptFail {
            node: node()?,
            script: text(&e.script),
        },
        "script_ok" => Action::ScriptOk {
            node: node()?,
            script: text(&e.script),
        },
        "set_priority" => {
            let p = e
                .priority
                .as_ref()
                .expect("checked: set_priority takes 'priority'");
            let priority = u8::try_from(*p.get_ref())
                .ok()
                .filter(|&v| v >= 1)
                .ok_or_else(|| {
                    src.err(
                        p.span(),
                        format!("priority must be between 1 and 255, found {}", p.get_ref()),
                    )
                })?;
            Action::SetPriority {
                node: node()?,
                priority,
            }
        }
        "partition" => {
            let groups = e
                .groups
                .as_ref()
                .expect("checked: partition takes 'groups'");
            let groups = groups
                .get_ref()
                .iter()
                .map(|g| {
                    g.iter()
                        .map(|n| known_node(n, names, src))
                        .collect::<Result<Vec<_>, _>>()
                })
                .collect::<Result<Vec<_>, _>>()?;
            Action::Partition { groups }
        }
        "heal" => Action::Heal,
        "check_fail" | "check_ok" => {
            let rs = socket(
                e.real_server
                    .as_ref()
                    .expect("checked: the action takes 'real_server'"),
                src,
            )?;
            if action == "check_fail" {
                Action::CheckFail {
                    node: node()?,
                    real_server: rs,
                }
            } else {
                Action::CheckOk {
                    node: node()?,
                    real_server: rs,
                }
            }
        }
        other => {
            return Err(src.err(
                e.action.span(),
                format!("action '{other}' is listed but not handled"),
            ))
        }
    };
    Ok(Event { at_us, action })
}

fn known_node(n: &Spanned<String>, names: &[&str], src: &Src) -> Result<String, LoadError> {
    if names.contains(&n.get_ref().as_str()) {
        Ok(n.get_ref().clone())
    } else {
        Err(src.err(
            n.span(),
            format!(
                "unknown node '{}'; nodes: {}",
                n.get_ref(),
                names.join(", ")
            ),
        ))
    }
}
