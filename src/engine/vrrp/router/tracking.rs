//! How an instance reacts to its trackers (keepalived's `vrrp_track.c`):
//! a failed tracker with weight 0 takes it to FAULT (`down_instance`), its
//! recovery brings it back (`try_up_instance`), weighted trackers move the
//! effective priority and with it a backup's deadline.

use super::{Ctx, Router};
use crate::engine::vrrp::advert;
use crate::engine::vrrp::config::{TrackedScript, PRIO_OWNER};
use crate::engine::vrrp::track::{self, Verdict};
use crate::engine::VrrpState;

impl Router {
    /// `down_instance`: a tracker with weight 0 failed, or the interface went down.
    fn down_instance(&mut self, cx: &mut Ctx) {
        let was = self.num_script_if_fault;
        self.num_script_if_fault += 1;
        if was == 0 || self.state == VrrpState::Init {
            self.wantstate = VrrpState::Fault;
            if self.state == VrrpState::Master {
                self.leave_master(true, cx);
            } else {
                self.leave_fault(cx);
            }
        }
    }

    /// `try_up_instance`: a failed tracker recovered (or the first results came in).
    fn try_up_instance(&mut self, leaving_init: bool, cx: &mut Ctx) {
        if leaving_init {
            if self.num_script_if_fault > 0 {
                return;
            }
        } else {
            self.num_script_if_fault = self.num_script_if_fault.saturating_sub(1);
            if self.num_script_if_fault > 0 || self.num_script_init > 0 {
                if self.num_script_if_fault == 0 {
                    self.wantstate = VrrpState::Backup;
                }
                return;
            }
        }
        if !(self.wantstate == VrrpState::Master && self.base_priority == PRIO_OWNER) {
            self.wantstate = VrrpState::Backup;
        }
        self.master_adver_int = self.cfg.adver_int_us;
        let was_master = self.state == VrrpState::Master;
        self.leave_fault(cx);
        // Unicast: renew the peers' ARP entry for us, so their adverts reach us.
        if self.cfg.unicast() {
            if let Some(s) = self.saddr {
                advert::announce(s, self.mac, cx.out);
            }
        }
        if self.state != VrrpState::Master || was_master {
            self.init_sands(cx);
        }
    }

    /// The interface's carrier changed (`process_if_status_change`).
    pub fn link_changed(&mut self, up: bool, cx: &mut Ctx) {
        let mut delta = 0;
        for t in &self.cfg.track_interfaces {
            if t.weight != 0 {
                let mult = if t.reverse { -1 } else { 1 };
                delta += if up { t.weight.abs() * mult } else { -t.weight.abs() * mult };
            }
        }
        if delta != 0 {
            self.total_priority += delta;
            self.set_effective_priority(cx);
        }
        if up {
            self.try_up_instance(false, cx);
        } else {
            self.down_instance(cx);
        }
    }

    /// A tracked script's verdict changed (`process_script_update_priority`).
    pub fn script_verdict(&mut self, t: TrackedScript, v: Verdict, cx: &mut Ctx) {
        if t.weight == 0 {
            let mut left_init = false;
            if v.first {
                self.num_script_init = self.num_script_init.saturating_sub(1);
                left_init = self.num_script_init == 0;
            }
            if v.ok == t.reverse {
                self.down_instance(cx);
            } else if self.num_script_init == 0 {
                self.try_up_instance(left_init, cx);
            }
            return;
        }
        self.total_priority += track::priority_delta(t.weight, t.reverse, v);
        self.set_effective_priority(cx);
    }

    /// `vrrp_set_effective_priority`: clamp to 1..254, log, and move a
    /// backup's deadline by the change in Master_Down_Interval.
    fn set_effective_priority(&mut self, cx: &mut Ctx) {
        if self.base_priority == PRIO_OWNER {
            return;
        }
        let new = self.total_priority.clamp(1, i32::from(PRIO_OWNER) - 1) as u8;
        if new == self.effective_priority {
            return;
        }
        self.log(cx, format_args!("Changing effective priority from {} to {new}", self.effective_priority));
        self.effective_priority = new;
        let old = self.ms_down_timer;
        self.ms_down_timer = self.mdi();
        if self.state == VrrpState::Backup {
            if let Some(s) = self.sands {
                let moved = (s + self.ms_down_timer).saturating_sub(old);
                self.set_sands(moved, cx);
            }
        }
    }

    /// A new configured priority (what a reload with another `priority` does).
    pub fn set_base_priority(&mut self, p: u8, cx: &mut Ctx) {
        let p = p.max(1);
        self.total_priority += i32::from(p) - i32::from(self.base_priority);
        self.base_priority = p;
        if p == PRIO_OWNER {
            self.effective_priority = PRIO_OWNER;
            return;
        }
        self.set_effective_priority(cx);
    }
}
