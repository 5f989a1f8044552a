//! Display filters over the Wireshark field names (`vrrp.virt_rtr_id == 51 && vrrp.prio < 100`).
