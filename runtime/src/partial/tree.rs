//! The JSON value read so far, as a tree that only ever grows.
//!
//! Nodes live in one arena and refer to their children by index, so the parser reaches the
//! node it is filling in constant time however deep it is, and appending to a string or a list
//! never moves what is already there. [`Node`] is the read-only view snapshots are built from.

/// Index of a node in the arena.
pub(crate) type NodeId = usize;

/// A value as far as it has arrived.
#[derive(Debug)]
pub(crate) enum Value {
    Null,
    Bool(bool),
    /// A number's text, stored only once it is whole (`12` might still become `123`).
    Number(Box<str>),
    /// The decoded text so far (escapes resolved).
    String(String),
    Array(Vec<NodeId>),
    /// Members in arrival order; a member exists once its value has started.
    Object(Vec<(String, NodeId)>),
}

#[derive(Debug)]
pub(crate) struct Slot {
    pub(crate) value: Value,
    /// The value's end has arrived: a string's closing quote, a container's closing bracket.
    /// Scalars other than strings are complete from the start.
    pub(crate) complete: bool,
}

/// Every node read so far; the root, once it has started, is node 0.
#[derive(Debug, Default)]
pub(crate) struct Tree {
    pub(crate) slots: Vec<Slot>,
}

impl Tree {
    /// Adds a node and returns its index.
    pub(crate) fn add(&mut self, value: Value, complete: bool) -> NodeId {
        self.slots.push(Slot { value, complete });
        self.slots.len() - 1
    }

    /// The root, once the value has started.
    pub(crate) fn root(&self) -> Option<Node<'_>> {
        (!self.slots.is_empty()).then_some(Node { tree: self, id: 0 })
    }
}

/// A read-only view of one value of the tree, for building snapshots.
#[derive(Debug, Clone, Copy)]
pub struct Node<'a> {
    tree: &'a Tree,
    id: NodeId,
}

impl<'a> Node<'a> {
    fn slot(&self) -> &'a Slot {
        &self.tree.slots[self.id]
    }

    fn at(&self, id: NodeId) -> Node<'a> {
        Node {
            tree: self.tree,
            id,
        }
    }

    /// Whether the value has ended (a closed string or container, or any other scalar).
    pub fn is_complete(&self) -> bool {
        self.slot().complete
    }

    /// Whether the value is `null`.
    pub fn is_null(&self) -> bool {
        matches!(self.slot().value, Value::Null)
    }

    /// The boolean, if the value is one.
    pub fn as_bool(&self) -> Option<bool> {
        match self.slot().value {
            Value::Bool(b) => Some(b),
            _ => None,
        }
    }

    /// The number's text, if the value is a (whole) number.
    pub fn as_number(&self) -> Option<&'a str> {
        match &self.slot().value {
            Value::Number(text) => Some(text),
            _ => None,
        }
    }

    /// The string's text so far, if the value is a string.
    pub fn as_str(&self) -> Option<&'a str> {
        match &self.slot().value {
            Value::String(text) => Some(text),
            _ => None,
        }
    }

    /// The elements so far, if the value is a list.
    pub fn items(self) -> Option<impl Iterator<Item = Node<'a>> + 'a> {
        let this = self;
        match &self.slot().value {
            Value::Array(items) => Some(items.iter().map(move |&id| this.at(id))),
            _ => None,
        }
    }

    /// The members so far, in order, if the value is an object.
    pub fn members(self) -> Option<impl Iterator<Item = (&'a str, Node<'a>)> + 'a> {
        let this = self;
        match &self.slot().value {
            Value::Object(members) => Some(
                members
                    .iter()
                    .map(move |(key, id)| (key.as_str(), this.at(*id))),
            ),
            _ => None,
        }
    }

    /// The last member named `key`, if the value is an object that has one.
    pub fn member(self, key: &str) -> Option<Node<'a>> {
        self.members()?
            .filter(|(name, _)| *name == key)
            .map(|(_, node)| node)
            .last()
    }
}
