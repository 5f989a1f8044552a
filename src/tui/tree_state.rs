//! The fields pane's state: the dissection of the selected frame, which
//! layers are folded, and which node is selected. The selection follows the
//! field's name from frame to frame, so stepping through adverts with
//! `vrrp.prio` selected keeps showing the priority.

use crate::dissect::Node;
use std::collections::BTreeSet;

/// One visible row: how deep it is and the path of child indices to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub depth: usize,
    pub path: Vec<usize>,
}

#[derive(Debug, Clone)]
pub struct TreeState {
    /// The frame (0-based) the layers describe.
    pub frame: Option<usize>,
    pub layers: Vec<Node>,
    /// Layers shown folded, by protocol name; kept across frames.
    pub collapsed: BTreeSet<&'static str>,
    /// Index into [`TreeState::rows`].
    pub selected: usize,
    pub offset: usize,
}

impl Default for TreeState {
    fn default() -> TreeState {
        // Capture metadata is rarely what a reader is after.
        TreeState { frame: None, layers: vec![], collapsed: BTreeSet::from(["frame"]), selected: 0, offset: 0 }
    }
}

impl TreeState {
    pub fn rows(&self) -> Vec<Row> {
        fn walk(nodes: &[Node], depth: usize, prefix: &[usize], collapsed: &BTreeSet<&str>, out: &mut Vec<Row>) {
            for (i, n) in nodes.iter().enumerate() {
                let mut path = prefix.to_vec();
                path.push(i);
                out.push(Row { depth, path: path.clone() });
                if !(depth == 0 && collapsed.contains(n.name)) {
                    walk(&n.children, depth + 1, &path, collapsed, out);
                }
            }
        }
        let mut out = vec![];
        walk(&self.layers, 0, &[], &self.collapsed, &mut out);
        out
    }

    pub fn node(&self, path: &[usize]) -> Option<&Node> {
        let (first, rest) = path.split_first()?;
        let mut n = self.layers.get(*first)?;
        for &i in rest {
            n = n.children.get(i)?;
        }
        Some(n)
    }

    pub fn selected_row(&self) -> Option<Row> {
        self.rows().into_iter().nth(self.selected)
    }

    pub fn selected_node(&self) -> Option<&Node> {
        self.selected_row().and_then(|r| self.node(&r.path))
    }

    /// Shows the dissection of another frame, keeping the selected field if
    /// the new frame has one of the same name.
    pub fn show(&mut self, frame: usize, layers: Vec<Node>) {
        let keep = self.selected_node().map(|n| n.name);
        self.frame = Some(frame);
        self.layers = layers;
        let rows = self.rows();
        let found = keep.and_then(|name| rows.iter().position(|r| self.node(&r.path).is_some_and(|n| n.name == name)));
        self.selected = found.unwrap_or(self.selected).min(rows.len().saturating_sub(1));
    }

    pub fn clear(&mut self) {
        self.frame = None;
        self.layers.clear();
        self.selected = 0;
        self.offset = 0;
    }

    pub fn len(&self) -> usize {
        self.rows().len()
    }

    /// Folds the selected layer (from a field: its layer, which gets selected).
    pub fn collapse(&mut self) {
        let Some(row) = self.selected_row() else { return };
        let layer = row.path[0];
        if let Some(n) = self.layers.get(layer) {
            if !n.children.is_empty() {
                self.collapsed.insert(n.name);
            }
        }
        self.select_path(&[layer]);
    }

    pub fn expand(&mut self) {
        let Some(row) = self.selected_row() else { return };
        if let Some(n) = self.layers.get(row.path[0]) {
            self.collapsed.remove(n.name);
        }
    }

    /// Folds an open layer, opens a folded one.
    pub fn toggle(&mut self) {
        let Some(row) = self.selected_row() else { return };
        let Some(name) = self.layers.get(row.path[0]).map(|n| n.name) else { return };
        if row.depth == 0 && self.collapsed.contains(name) {
            self.collapsed.remove(name);
        } else {
            self.collapse();
        }
    }

    fn select_path(&mut self, path: &[usize]) {
        if let Some(i) = self.rows().iter().position(|r| r.path == path) {
            self.selected = i;
        }
    }
}

#[cfg(test)]
mod test {
    use super::*;

    fn layer(name: &'static str, fields: &[&'static str]) -> Node {
        let mut n = Node::field(name, Some(0..1), "", "");
        n.title = name.to_uppercase();
        n.children = fields.iter().map(|f| Node::field(f, Some(0..1), "v", "m")).collect();
        n
    }

    fn names(t: &TreeState) -> Vec<&'static str> {
        t.rows().iter().map(|r| t.node(&r.path).unwrap().name).collect()
    }

    #[test]
    fn folding_and_selection_follow_names() {
        let mut t = TreeState::default();
        t.show(0, vec![layer("frame", &["frame.len"]), layer("vrrp", &["vrrp.vrid", "vrrp.prio"])]);
        assert_eq!(names(&t), ["frame", "vrrp", "vrrp.vrid", "vrrp.prio"]);
        t.selected = 3;
        // Another frame with an extra layer: vrrp.prio stays selected.
        t.show(1, vec![layer("frame", &["frame.len"]), layer("ip", &["ip.ttl"]), layer("vrrp", &["vrrp.vrid", "vrrp.prio"])]);
        assert_eq!(t.selected_node().unwrap().name, "vrrp.prio");
        t.collapse();
        assert_eq!(names(&t), ["frame", "ip", "ip.ttl", "vrrp"]);
        assert_eq!(t.selected_node().unwrap().name, "vrrp");
        t.toggle();
        assert_eq!(t.len(), 6);
        t.selected = 0;
        t.expand();
        assert_eq!(names(&t)[..2], ["frame", "frame.len"]);
        t.clear();
        assert!(t.selected_node().is_none());
    }
}
