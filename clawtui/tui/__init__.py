"""The Textual face of clawtui: wires the headless core to screens and widgets."""
